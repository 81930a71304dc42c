"""Demo orders for the demo users, when the catalog has products (idempotent)."""

from accounts.models import Address, PaymentMethod, User
from catalog.models import Product
from core.ids import CryptoShopIds
from core.storefront import Storefront

from .models import CartItem, Order
from .services.cart import cart_get_or_create
from .services.checkout import order_checkout, order_place_from_items


def seed() -> list[str]:
    lines: list[str] = []
    th_user = User.objects.filter(storefront=Storefront.TECHAVEN, username="th_demo").first()
    th_product = (
        Product.objects.filter(storefront=Storefront.TECHAVEN, is_active=True,
                               deleted_at__isnull=True, stock_quantity__gte=2)
        .order_by("pk").first()
    )  # fmt: skip
    if th_user and th_product and not Order.objects.filter(buyer=th_user).exists():
        address, _ = Address.objects.get_or_create(
            user=th_user,
            label="Home",
            defaults={"full_name": th_user.full_name or "Demo", "phone": "+265991234567",
                      "address_line_1": "Area 47, Sector 4", "city": "Lilongwe",
                      "state": "Central Region", "is_default": not th_user.addresses.exists()},
        )  # fmt: skip
        method = PaymentMethod.objects.filter(user=th_user).first() or PaymentMethod.objects.create(
            user=th_user,
            type=PaymentMethod.Type.MOBILE_MONEY,
            provider="Airtel Money",
            phone_number="+265991234567",
            is_default=not th_user.payment_methods.exists(),
        )
        cart = cart_get_or_create(user=th_user)
        CartItem.objects.get_or_create(cart=cart, product=th_product, defaults={"quantity": 1})
        order = order_checkout(
            user=th_user,
            shipping_address_uid=address.uid,
            payment_method_uid=method.uid,
            notes="Demo order",
        )
        lines.append(f"Techaven demo order {order.number}: pay at {order.payment_url}")
    cs_user = User.objects.filter(storefront=Storefront.CRYPTOSHOP, username="cryptodemo").first()
    cs_product = (
        Product.objects.filter(storefront=Storefront.CRYPTOSHOP, is_active=True,
                               deleted_at__isnull=True, stock_quantity__gte=1)
        .exclude(shop__owner=cs_user).order_by("pk").first()
    )  # fmt: skip
    if cs_user and cs_product and not Order.objects.filter(buyer=cs_user).exists():
        order = order_place_from_items(user=cs_user, items=[(cs_product.uid, 1)])
        lines.append(f"CryptoShop demo order {CryptoShopIds.ORDER(order.uid)}")
    return lines
