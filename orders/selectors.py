"""Reads used by more than one caller, shaped so lists cost a fixed number of queries."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet, Subquery

from catalog.models import Shop
from catalog.selectors import attach_card_images, shops_owned
from core.ids import TechavenIds
from core.paging import Page
from core.prepared import attach_children, prepared_objects, prepared_page
from core.storefront import Storefront

from .models import Cart, CartItem, Order, OrderItem
from .state import Status


def cart_items(cart: Cart) -> list[CartItem]:
    """The cart's lines in the order they were added, each with its product and the
    product's images (`card_images`), with SQL compiled once (read on every cart view)."""
    items = prepared_objects(
        CartItem,
        "cart_items",
        lambda: CartItem.objects.filter(cart_id=cart.pk).order_by("created_at", "id"),
        [cart.pk],
        related=("product",),
    )
    attach_card_images([item.product for item in items])
    return items


ORDER_LIST_ORDER = ("-created_at", "-id")  # newest first, the id breaking ties


def order_list(
    *, statuses: list[str] | None = None, items: QuerySet[OrderItem] | None = None
) -> QuerySet[Order]:
    items = items if items is not None else OrderItem.objects.order_by("id")
    qs = Order.objects.select_related("buyer").prefetch_related(Prefetch("items", queryset=items))
    if statuses:
        qs = qs.filter(status__in=statuses)
    return qs.order_by(*ORDER_LIST_ORDER)


def techaven_orders(*, user, statuses: list[str] | None = None) -> QuerySet[Order]:
    return order_list(statuses=statuses).filter(buyer=user, storefront="techaven")


def _attach_items(orders: list[Order], related: tuple[str, ...] = ()) -> list[OrderItem]:
    """The orders' lines (with `related`), each order's `items` answering its own."""
    ids = [order.pk for order in orders]
    items = prepared_objects(
        OrderItem,
        ("order_items", len(ids)),
        lambda: OrderItem.objects.filter(order_id__in=ids).order_by("id"),
        ids,
        related=related,
    )
    attach_children(orders, "items", items, "order_id")
    return items


def techaven_orders_page(*, user, statuses: list[str] | None, page: int, limit: int) -> Page:
    """A page of `techaven_orders` (with their items, no buyer: it is `user`), read with SQL
    compiled once per shape: the list a signed-in buyer opens most."""
    statuses = list(dict.fromkeys(statuses or []))  # IN drops repeats

    def mine() -> QuerySet[Order]:
        qs = Order.objects.filter(storefront="techaven").filter(buyer_id=user.pk)
        return qs.filter(status__in=statuses) if statuses else qs

    params = ["techaven", user.pk, *statuses]
    found = prepared_page(
        Order, ("techaven_orders", len(statuses)), mine, params, order_by=ORDER_LIST_ORDER,
        page=page, limit=limit,
    )  # fmt: skip
    _attach_items(list(found.items))
    return found


def cryptoshop_orders_page(*, user, statuses: list[str] | None, page: int, limit: int) -> Page:
    """A page of `cryptoshop_orders`, loaded as that queryset loads it (buyer, escrow, lines
    with product, shop, owner and images), read with SQL compiled once per shape."""
    statuses = list(dict.fromkeys(statuses or []))  # IN drops repeats

    def mine() -> QuerySet[Order]:
        qs = Order.objects.filter(storefront="cryptoshop").filter(_cryptoshop_bought_or_sold(user))
        return qs.filter(status__in=statuses) if statuses else qs

    params = ["cryptoshop", user.pk, user.pk, "cryptoshop", *statuses]
    found = prepared_page(
        Order, ("cryptoshop_orders", len(statuses)), mine, params, order_by=ORDER_LIST_ORDER,
        page=page, limit=limit, related=("buyer",),
    )  # fmt: skip
    orders = list(found.items)
    ids = [order.pk for order in orders]
    escrow = Order._meta.get_field("escrow")  # escrow's relation: no import of escrow
    escrows = prepared_objects(
        escrow.related_model,
        ("order_escrows", len(ids)),
        lambda: escrow.related_model.objects.filter(order_id__in=ids),
        ids,
    )
    by_order = {e.order_id: e for e in escrows}
    for order in orders:
        escrow.set_cached_value(order, by_order.get(order.pk))
    items = _attach_items(orders, related=("product", "product__shop", "product__shop__owner"))
    attach_card_images([item.product for item in items if item.product_id])
    return found


def cryptoshop_orders(*, user, statuses: list[str] | None = None) -> QuerySet[Order]:
    """Orders the user bought, or sold through their seller profile."""
    items = (
        OrderItem.objects.select_related("product__shop__owner")
        .prefetch_related("product__images")
        .order_by("id")
    )
    return (
        order_list(statuses=statuses, items=items)
        .filter(storefront="cryptoshop")
        .filter(_cryptoshop_bought_or_sold(user))
        .select_related("escrow")
    )


def _cryptoshop_bought_or_sold(user) -> Q:
    """Bought by the user, or sold through their seller profile. The profile's id comes from
    a subquery of its own (at most one row: one CryptoShop seller profile per user), so that
    PostgreSQL takes both sides from their indexes; `shop__owner=user` joined every CryptoShop
    order to its shop and filtered them all, on every list."""
    own_shop = shops_owned(user, Storefront.CRYPTOSHOP).values("pk")
    return Q(buyer_id=user.pk) | Q(shop_id=Subquery(own_shop))


def shop_orders(*, shops, statuses: list[str] | None = None) -> QuerySet[Order]:
    return order_list(statuses=statuses).filter(shop__in=shops)


def techaven_order_to_pay(order_id: str) -> Order | None:
    """The Techaven order of public id `order_id` that was paid, or is to be paid, through a
    provider (it has Duka's payment page); None for any other id."""
    uid = TechavenIds.ORDER.parse(order_id)
    if uid is None:
        return None
    return (
        Order.objects.filter(uid=uid, storefront=Storefront.TECHAVEN)
        .exclude(payment_url="")
        .first()
    )


def order_of_buyer_exists(*, user, storefront: str, order_uid: str) -> bool:
    """Is `order_uid` one of `user`'s own orders on `storefront`?"""
    return Order.objects.filter(uid=order_uid, buyer=user, storefront=storefront).exists()


def buyer_received_product(*, user, product_id: int) -> bool:
    """Has `user` an order containing the product that was delivered (or completed)?"""
    return OrderItem.objects.filter(
        order__buyer=user,
        product_id=product_id,
        order__status__in=(Status.DELIVERED, Status.COMPLETED),
    ).exists()


def order_seller_ids(order: Order) -> list[int]:
    """The users who sell `order`: its shop's owner, if their account is active. An order
    mixing several shops has no shop, hence no seller (staff fulfil it)."""
    if order.shop_id is None:
        return []
    return list(
        Shop.objects.filter(pk=order.shop_id, owner__is_active=True).values_list(
            "owner_id", flat=True
        )
    )
