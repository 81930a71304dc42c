"""The Techaven cart. Stock is checked here but only taken at checkout."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Sum

from catalog.models import Product
from core.errors import ErrorKind
from core.prepared import prepared_objects
from core.storefront import Storefront

from ..errors import OrderError, OrderErrorCode, not_found
from ..models import Cart, CartItem
from .pricing import Totals, totals_for


@dataclass(frozen=True, slots=True)
class CartSnapshot:
    """The cart read now, with live prices: every line, the money of the available ones
    (`totals`) and the quantity of all (`item_count`)."""

    cart: Cart
    items: list[CartItem]
    totals: Totals
    item_count: int
    currency: str


def line_available(item: CartItem) -> bool:
    """The line could be bought now: product on sale and enough stock for the quantity."""
    return item.product.is_available and item.quantity <= item.product.stock_quantity


def cart_get_or_create(*, user) -> Cart:
    found = prepared_objects(
        Cart, "cart_of", lambda: Cart.objects.filter(user_id=user.pk), [user.pk]
    )
    if found:
        return found[0]
    try:
        with transaction.atomic():
            return Cart.objects.create(user=user)
    except IntegrityError:  # a parallel request created it first
        return Cart.objects.get(user=user)


def cart_item_count(cart: Cart) -> int:
    return cart.items.aggregate(n=Sum("quantity"))["n"] or 0


def cart_snapshot(*, user) -> CartSnapshot:
    """The cart with live prices; only available lines count towards the money summary."""
    from ..selectors import cart_items

    cart = cart_get_or_create(user=user)
    items = list(cart_items(cart))
    subtotal = sum(i.product.price_minor * i.quantity for i in items if line_available(i))
    totals = totals_for(storefront=Storefront.TECHAVEN, currency="MWK", subtotal=subtotal)
    return CartSnapshot(cart, items, totals, sum(i.quantity for i in items), "MWK")


def _techaven_product(product_id: int) -> Product:
    product = Product.objects.filter(
        pk=product_id,
        storefront=Storefront.TECHAVEN,
        deleted_at__isnull=True,
        shop__is_active=True,  # a closed shop's products are not listed: not sold either
    ).first()
    if product is None:
        raise not_found(OrderErrorCode.PRODUCT_NOT_FOUND, "Product", field="product_id")
    return product


def _check_stock(product: Product, quantity: int) -> None:
    if not product.is_available:
        raise OrderError(OrderErrorCode.OUT_OF_STOCK, "Product out of stock", field="product_id")
    if quantity > product.stock_quantity:
        raise OrderError(
            OrderErrorCode.INSUFFICIENT_STOCK,
            f"Only {product.stock_quantity} in stock",
            field="quantity",
        )


@transaction.atomic
def cart_add_item(*, user, product_id: int, quantity: int) -> tuple[CartItem, int]:
    """Add a product not yet in the cart; 409 when it is (the client should update instead)."""
    product = _techaven_product(product_id)
    _check_stock(product, quantity)
    cart = cart_get_or_create(user=user)
    try:
        with transaction.atomic():
            item = CartItem.objects.create(cart=cart, product=product, quantity=quantity)
    except IntegrityError:
        raise OrderError(
            OrderErrorCode.ALREADY_IN_CART,
            "Item already in cart, update its quantity instead",
            field="product_id",
            kind=ErrorKind.CONFLICT,
        ) from None
    return item, cart_item_count(cart)


def _my_item(user, item_uid: str | None) -> CartItem:
    item = (
        CartItem.objects.select_related("product", "cart")
        .filter(uid=item_uid or "", cart__user=user)
        .first()
    )
    if item is None:
        raise not_found(OrderErrorCode.CART_ITEM_NOT_FOUND, "Cart item")
    return item


@transaction.atomic
def cart_update_item(*, user, item_uid: str | None, quantity: int) -> CartItem:
    """Set a line's quantity: at least 1, at most what is in stock."""
    item = _my_item(user, item_uid)
    _check_stock(item.product, quantity)
    # a checkout may have ordered the line (and deleted it) since it was read
    if not CartItem.objects.filter(pk=item.pk).update(quantity=quantity):
        raise not_found(OrderErrorCode.CART_ITEM_NOT_FOUND, "Cart item")
    item.quantity = quantity
    return item


@transaction.atomic
def cart_remove_item(*, user, item_uid: str | None) -> int:
    item = _my_item(user, item_uid)
    cart = item.cart
    item.delete()
    return cart_item_count(cart)


@transaction.atomic
def cart_clear(*, user) -> None:
    CartItem.objects.filter(cart__user=user).delete()
