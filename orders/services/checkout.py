"""Placing orders: stock taken under row locks, totals from the database, numbers unique.

A checkout takes the product rows' locks (the rows every buyer of a product waits on) as
late as it can: everything that needs no lock comes first (limits, images, the stock as
last committed, totals, the order's rows), then the products are locked in pk order, checked
again and their stock taken, just before the commit (`order_create_from_cart`,
`order_create_from_items`). Should a product have changed what the order copies from it
meanwhile, the order is placed once more with the products locked first."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict, Unpack

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, Sum, Value, When
from django.utils import timezone

from accounts.locks import user_lock
from accounts.models import Address, PaymentMethod
from catalog import pagecache
from catalog.locks import products_lock
from catalog.models import Product, ProductImage
from catalog.selectors import closed_shop_ids
from core.errors import ErrorKind
from core.ids import new_uid
from core.storefront import Storefront
from wallet.services import WALLET_LABEL, WALLET_PROVIDER, order_pay_from_wallet

from .. import conf
from ..errors import OrderError, OrderErrorCode, not_found
from ..events import order_announce
from ..locks import cart_lock, order_counter_lock
from ..models import CartItem, CouponRedemption, Order, OrderItem, OrderStatusHistory
from ..numbers import number_sequence_next
from ..state import Actor, Status
from .coupons import coupon_take
from .payment import order_pay_page_url, order_payment_open_soon
from .pricing import totals_for
from .status import order_paid_now


@dataclass(frozen=True, slots=True)
class Line:
    product_id: int
    quantity: int


def _image_url(image: ProductImage | None) -> str:
    if image is None:
        return ""
    if image.url:
        return image.url
    if image.image:
        url = image.image.url
        return url if url.startswith("http") else f"{settings.PUBLIC_BASE_URL}{url}"
    return ""


def product_image_url(product: Product) -> str:
    """First image of the product as an absolute URL (frozen on the order line); its
    `card_images` when a selector loaded them."""
    images = getattr(product, "card_images", None)
    if images is None:
        images = list(product.images.all())
    return _image_url(images[0] if images else None)


def _image_urls(product_ids: Iterable[int]) -> dict[int, str]:
    """`product_image_url` of several products in one query (product id → URL)."""
    first: dict[int, ProductImage] = {}
    for image in ProductImage.objects.filter(product_id__in=set(product_ids)):
        first.setdefault(image.product_id, image)
    return {pk: _image_url(image) for pk, image in first.items()}


def order_number_next(*, storefront: str) -> str:
    """`TH-YYYY-NNNN` (CryptoShop `CS-YYYY-NNNN`), unique; more than 9,999 a year widen it.

    On PostgreSQL the number comes from the (storefront, year) sequence (`orders.numbers`):
    no row is locked, so checkouts do not wait on one another for it; a number taken by a
    checkout that then rolls back (refused stock, a short wallet, a product that changed)
    is not given back: numbers can have gaps. Elsewhere (SQLite, the dev and demo default,
    where writes are serialised anyway) the (storefront, year) counter row is locked until
    the order commits: gapless there."""
    year = timezone.now().year
    if connection.vendor == "postgresql":
        last = number_sequence_next(storefront=storefront, year=year)
    else:
        counter = order_counter_lock(storefront=storefront, year=year)
        counter.last += 1
        counter.save(update_fields=["last"])
        last = counter.last
    return f"{conf.number_prefix(storefront)}-{year}-{last:04d}"


class _ProductsMoved(Exception):
    """A product changed what an order copies from it between the read without a lock and
    the lock: the order is placed again, with the products locked first."""


# what an order copies from its products: read without a lock, it must match the locked row
_COPIED = ("storefront", "shop_id", "name", "currency", "price_minor", "price_eur_minor")


def _copied(product: Product) -> tuple:
    return tuple(getattr(product, field) for field in _COPIED)


def _refuse_unsellable(
    *,
    storefront: str,
    lines: list[Line],
    products: dict[int, Product],
    closed: set[int],
    field: str,
) -> None:
    """Refuses (`INSUFFICIENT_STOCK`) the lines that cannot be sold from `products`: gone,
    of the other storefront, of a shop staff closed (not listed, so not sold), out of stock."""
    problems: list[str] = []
    for line in lines:
        product = products.get(line.product_id)
        if (
            product is None
            or product.storefront != storefront
            or product.deleted_at
            or product.shop_id in closed
        ):
            problems.append(f"Product {line.product_id} is no longer sold")
        elif not product.is_available:
            problems.append(f"{product.name} is out of stock")
        elif line.quantity > product.stock_quantity:
            problems.append(f"Only {product.stock_quantity} of {product.name} in stock")
    if problems:
        raise OrderError(
            OrderErrorCode.INSUFFICIENT_STOCK,
            problems[0],
            field=field,
            details={field: problems},
        )


def _take_stock(
    *,
    storefront: str,
    lines: list[Line],
    closed: set[int],
    field: str,
    seen: dict[int, Product] | None = None,
) -> dict[int, Product]:
    """Lock the products (pk order) and take the quantities; refuses what cannot be sold.
    `seen`: the products as the order was built from them (read without a lock); one that
    has changed since raises `_ProductsMoved`."""
    locked = products_lock(line.product_id for line in lines)
    _refuse_unsellable(
        storefront=storefront, lines=lines, products=locked, closed=closed, field=field
    )
    if seen is not None and any(_copied(seen[pk]) != _copied(p) for pk, p in locked.items()):
        raise _ProductsMoved
    taken: dict[int, int] = {}
    for line in lines:
        taken[line.product_id] = taken.get(line.product_id, 0) + line.quantity
    # one statement for the whole cart: the rows are locked, each round trip holds them
    if len(taken) == 1:
        [(pk, quantity)] = taken.items()
        Product.objects.filter(pk=pk).update(stock_quantity=F("stock_quantity") - quantity)
    else:
        Product.objects.filter(pk__in=list(taken)).update(
            stock_quantity=F("stock_quantity")
            - Case(
                *(When(pk=pk, then=Value(quantity)) for pk, quantity in taken.items()),
                output_field=IntegerField(),
            )
        )
    pagecache.stock_changed(line.product_id for line in lines)
    return locked


def _unpaid_within_limits(*, storefront: str, buyer, lines: list[Line], field: str) -> None:
    """Stock is held for unpaid orders: one account may hold only so many of them, and so
    many units (`ORDERS_MAX_UNPAID_PER_ACCOUNT`, `ORDERS_MAX_UNPAID_UNITS_PER_ACCOUNT`), so a
    throwaway account cannot hoard a product (security finding 5). The buyer's row lock
    makes two checkouts at once count each other."""
    user_lock(buyer.pk)
    unpaid = Order.objects.filter(buyer=buyer, storefront=storefront, status=Status.PENDING)
    held = unpaid.aggregate(orders=Count("pk", distinct=True), units=Sum("items__quantity"))
    units = sum(line.quantity for line in lines)
    if held["orders"] >= conf.max_unpaid_orders():
        raise OrderError(
            OrderErrorCode.TOO_MANY_UNPAID_ORDERS,
            f"You have {held['orders']} orders awaiting payment: pay or cancel one first",
            field=field,
            kind=ErrorKind.CONFLICT,
        )
    if (held["units"] or 0) + units > conf.max_unpaid_units():
        raise OrderError(
            OrderErrorCode.TOO_MANY_UNPAID_ORDERS,
            f"At most {conf.max_unpaid_units()} items can await payment at once: pay or "
            "cancel an order first",
            field=field,
            kind=ErrorKind.CONFLICT,
        )


def _place(
    *,
    storefront: str,
    buyer,
    lines: list[Line],
    stock_field: str,
    coupon_code: str = "",
    shipping_address: dict | None = None,
    payment_method: PaymentMethod | None = None,
    notes: str = "",
    lock_last: bool = False,
    read: dict[int, Product] | None = None,
) -> Order:
    """The order of `lines`, in the caller's transaction. `lock_last`: the order is built
    from the products as last committed (refused at once if they cannot be sold) and they
    are locked, checked again and their stock taken at the end, so their locks are held
    only until the commit that follows (`_ProductsMoved` if one changed meanwhile). A coupon
    is locked after the products on every path, so with one they are locked first. `read`:
    the lines' products as the caller read them without a lock, if it did."""
    _unpaid_within_limits(storefront=storefront, buyer=buyer, lines=lines, field=stock_field)
    closed = set(closed_shop_ids(storefront))  # their products are not sold
    images = _image_urls(line.product_id for line in lines)
    lock_last = lock_last and not coupon_code
    if lock_last:
        ids = {line.product_id for line in lines}
        if read is None or not ids <= read.keys():
            read = {p.pk: p for p in Product.objects.filter(pk__in=ids)}
        products = read
        _refuse_unsellable(
            storefront=storefront, lines=lines, products=products, closed=closed, field=stock_field
        )
    else:
        products = _take_stock(storefront=storefront, lines=lines, closed=closed, field=stock_field)
    currency = products[lines[0].product_id].currency
    subtotal = sum(products[ln.product_id].price_minor * ln.quantity for ln in lines)
    eur_prices = [products[ln.product_id].price_eur_minor for ln in lines]
    total_eur = (
        sum(p * ln.quantity for p, ln in zip(eur_prices, lines, strict=True))
        if all(p is not None for p in eur_prices)
        else None
    )
    coupon, discount = None, 0
    if coupon_code:
        coupon, discount = coupon_take(
            storefront=storefront,
            code=coupon_code,
            user=buyer,
            subtotal=subtotal,
            currency=currency,
        )
    totals = totals_for(
        storefront=storefront, currency=currency, subtotal=subtotal, discount=discount
    )
    shops = {products[ln.product_id].shop_id for ln in lines}
    now = timezone.now()
    # (on SQLite the counter row, a lock every checkout waits on: taken just before the insert)
    number = order_number_next(storefront=storefront)
    uid = new_uid()
    order = Order.objects.create(
        uid=uid,
        storefront=storefront,
        number=number,
        buyer=buyer,
        shop_id=shops.pop() if len(shops) == 1 else None,
        status=Status.PENDING,
        currency=currency,
        subtotal_minor=totals.subtotal,
        discount_minor=totals.discount,
        shipping_minor=totals.shipping,
        tax_minor=totals.tax,
        total_minor=totals.total,
        total_eur_minor=total_eur,
        coupon=coupon,
        coupon_code=coupon.code if coupon else "",
        shipping_address=shipping_address or {},
        payment_method=payment_method,
        payment_method_label=payment_method.get_type_display() if payment_method else "",
        # paid through a provider: the buyer pays at Duka's page, which leads to the provider's
        payment_url=order_pay_page_url(uid) if payment_method else "",
        notes=notes,
        expires_at=now + conf.unpaid_ttl(storefront),
        created_at=now,
    )
    OrderItem.objects.bulk_create(
        [
            OrderItem(
                order=order,
                product=products[ln.product_id],
                shop_id=products[ln.product_id].shop_id,
                product_name=products[ln.product_id].name,
                product_image=images.get(ln.product_id, ""),
                unit_price_minor=products[ln.product_id].price_minor,
                unit_price_eur_minor=products[ln.product_id].price_eur_minor,
                quantity=ln.quantity,
                subtotal_minor=products[ln.product_id].price_minor * ln.quantity,
            )
            for ln in lines
        ]
    )
    if coupon is not None:
        CouponRedemption.objects.create(coupon=coupon, user=buyer, order=order)
    OrderStatusHistory.objects.create(
        order=order, status=Status.PENDING, actor_role=Actor.BUYER, actor=buyer, created_at=now
    )
    order_announce(order, created=True, actor=Actor.BUYER, user=buyer)
    if lock_last:
        _take_stock(
            storefront=storefront, lines=lines, closed=closed, field=stock_field, seen=products
        )
    return order


def _placed_with_locks_last(place: Callable[[bool], Order]) -> Order:
    """`place(lock_last)` in a durable transaction, the products locked last; if one changed
    in between (`_ProductsMoved`), once more with them locked first, which reads them under
    the lock and so cannot find one changed. The first attempt's number is a gap."""
    try:
        with transaction.atomic(durable=True):
            return place(True)
    except _ProductsMoved:
        pass
    with transaction.atomic(durable=True):
        return place(False)


def address_snapshot(address: Address) -> dict:
    line = address.address_line_1
    if address.address_line_2:
        line = f"{line}, {address.address_line_2}"
    return {
        "full_name": address.full_name,
        "address_line": line,
        "city": address.city,
        "state": address.state,
        "postal_code": address.postal_code,
        "country": address.country,
        "phone": address.phone,
    }


class CartCheckout(TypedDict):
    """A Techaven checkout's arguments, as `order_place_from_cart` takes them (`notes` and
    `coupon_code` may be left out: empty)."""

    user: Any
    shipping_address_uid: str
    payment_method_uid: str
    notes: NotRequired[str]
    coupon_code: NotRequired[str]


def order_checkout(**checkout: Unpack[CartCheckout]) -> Order:
    """Techaven checkout (`POST /api/orders`): the order is placed in one short transaction
    (stock, coupon, order number, cart; a wallet payment too). An order paid through a
    provider waits in "pending payment" with Duka's page as its `payment_url`, and a task
    opens the provider payment after the commit (`orders.services.payment`): no lock and no
    request waits on a provider. A provider that cannot open it fails it like a declined one
    (the order is cancelled, its stock comes back), which that page then tells the buyer."""
    order = order_create_from_cart(**checkout)
    if order.payment_url:
        order_payment_open_soon(order.pk)
    return order


def order_create_from_cart(**checkout: Unpack[CartCheckout]) -> Order:
    """The checkout's transaction (see `order_place_from_cart`), the products locked last."""
    arguments = {"notes": "", "coupon_code": "", **checkout}
    return _placed_with_locks_last(
        lambda lock_last: _place_from_cart(**arguments, lock_last=lock_last)
    )


@transaction.atomic
def order_place_from_cart(
    *,
    user,
    shipping_address_uid: str,
    payment_method_uid: str,
    notes: str = "",
    coupon_code: str = "",
) -> Order:
    """Techaven: the whole cart becomes one pending order and the cart is emptied.

    Everything the buyer pays is computed here. `payment_method_uid` is one of the buyer's
    payment methods, or `wallet`: then the order is paid from the wallet at once, or, when
    the balance is short, refused (`INSUFFICIENT_FUNDS`) with nothing changed.
    """
    return _place_from_cart(
        user=user,
        shipping_address_uid=shipping_address_uid,
        payment_method_uid=payment_method_uid,
        notes=notes,
        coupon_code=coupon_code,
    )


def _place_from_cart(
    *,
    user,
    shipping_address_uid: str,
    payment_method_uid: str,
    notes: str,
    coupon_code: str,
    lock_last: bool = False,
) -> Order:
    address = Address.objects.filter(user=user, uid=shipping_address_uid).first()
    if address is None:
        raise not_found(OrderErrorCode.ADDRESS_NOT_FOUND, "Address", field="shipping_address_id")
    pays_from_wallet = payment_method_uid == WALLET_PROVIDER
    method = None
    if not pays_from_wallet:
        method = PaymentMethod.objects.filter(user=user, uid=payment_method_uid).first()
        if method is None:
            raise not_found(
                OrderErrorCode.PAYMENT_METHOD_NOT_FOUND,
                "Payment method",
                field="payment_method_id",
            )
    # one checkout per cart at a time: a double-tap waits, then finds the cart empty
    cart = cart_lock(user.pk)
    items = (
        list(
            CartItem.objects.filter(cart=cart)
            .select_related("product")
            .order_by("created_at", "id")
        )
        if cart
        else []
    )
    if not items:
        raise OrderError(OrderErrorCode.CART_EMPTY, "Your cart is empty", field="cart")
    CartItem.objects.filter(cart=cart).delete()  # (rolled back with the order, if need be)
    order = _place(
        storefront=Storefront.TECHAVEN,
        buyer=user,
        lines=[Line(i.product_id, i.quantity) for i in items],
        stock_field="cart",
        coupon_code=coupon_code,
        shipping_address=address_snapshot(address),
        payment_method=method,
        notes=notes,
        lock_last=lock_last,
        read={i.product_id: i.product for i in items},
    )
    if pays_from_wallet:
        # the order's rows (products, shop counters) before the ledger's accounts, as every
        # other path takes them: a short balance rolls all of it back
        order.payment_provider = WALLET_PROVIDER
        order.payment_method_label = WALLET_LABEL
        order_paid_now(order, note=f"Paid from the wallet ({WALLET_LABEL})")
        order_pay_from_wallet(
            user=user,
            order_uid=order.uid,
            order_number=order.number,
            amount_minor=order.total_minor,
            currency=order.currency,
        )
    return order


def order_create_from_items(*, user, items: list[tuple[str, int]]) -> Order:
    """CryptoShop checkout as a top-level use case (see `order_place_from_items`), in its own
    transaction, the products locked last."""
    return _placed_with_locks_last(
        lambda lock_last: _place_from_items(user=user, items=items, lock_last=lock_last)
    )


@transaction.atomic
def order_place_from_items(*, user, items: list[tuple[str, int]]) -> Order:
    """CryptoShop: an order for (product uid, quantity) pairs, all from one seller."""
    return _place_from_items(user=user, items=items)


def _place_from_items(*, user, items: list[tuple[str, int]], lock_last: bool = False) -> Order:
    merged: dict[str, int] = {}
    for uid, quantity in items:
        merged[uid] = merged.get(uid, 0) + quantity
    products = {
        p.uid: p
        for p in Product.objects.filter(
            uid__in=list(merged), storefront=Storefront.CRYPTOSHOP, deleted_at__isnull=True
        ).select_related("shop")
    }
    missing = [uid for uid in merged if uid not in products]
    if missing:
        raise not_found(OrderErrorCode.PRODUCT_NOT_FOUND, "Product", field="items")
    if len({p.shop_id for p in products.values()}) > 1:
        raise OrderError(
            OrderErrorCode.MIXED_SELLERS,
            "All items of an order must come from one seller",
            field="items",
        )
    if any(p.shop.owner_id == user.pk for p in products.values()):
        raise OrderError(
            OrderErrorCode.OWN_PRODUCT, "You cannot buy your own product", field="items"
        )
    lines = [Line(products[uid].pk, q) for uid, q in merged.items()]
    return _place(
        storefront=Storefront.CRYPTOSHOP,
        buyer=user,
        lines=lines,
        stock_field="items",
        lock_last=lock_last,
        read={p.pk: p for p in products.values()},
    )
