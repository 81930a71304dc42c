"""CryptoShop contract, "Orders Endpoints"."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.conf import settings
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers

from catalog.api.common import product_images
from core.errors import NotFound
from core.ids import CryptoShopIds
from core.timefmt import api_datetime
from orders import selectors
from orders.api.filters import CryptoShopOrderFilter, buyer_orders_page
from orders.errors import OrderError, OrderErrorCode
from orders.models import Order, OrderItem
from orders.services.checkout import order_create_from_items
from orders.services.status import (
    actor_for,
    invalid_transition,
    order_cancel,
    order_complete,
    order_confirm,
    order_deliver,
    order_payment_confirm,
    order_payment_hash_check,
    order_refund_record,
    order_ship,
)
from orders.state import Actor, Status
from orders.status_names import (
    CRYPTOSHOP_STATUS_BY_NAME,
    CRYPTOSHOP_STATUS_NAME,
    CRYPTOSHOP_STATUS_NAMES,
)
from storefronts.answer_fields import PublicIdField
from storefronts.cryptoshop.base import CryptoShopView, btc, eur
from storefronts.fields import ItemsField
from storefronts.schema import PAGE_PARAMS


def _media(url: str) -> str:
    return url if url.startswith("http") else f"{settings.PUBLIC_BASE_URL}{url}"


def _images(product) -> list[str]:
    out = []
    for image in product_images(product):
        if image.url:
            out.append(image.url)
        elif image.image:
            out.append(_media(image.image.url))
    return out


class SellerUserOut(serializers.Serializer):
    username = serializers.CharField()
    avatar = serializers.SerializerMethodField()

    def get_avatar(self, user) -> str | None:
        return _media(user.avatar.url) if user.avatar else None


class SellerOut(serializers.Serializer):
    id = PublicIdField(CryptoShopIds.SELLER)
    storeName = serializers.CharField(source="name")
    user = SellerUserOut(source="owner", allow_null=True)


class ProductShortOut(serializers.Serializer):
    id = PublicIdField(CryptoShopIds.PRODUCT)
    name = serializers.CharField()
    images = serializers.SerializerMethodField()

    def get_images(self, product) -> list[str]:
        return _images(product)


class ProductDetailOut(ProductShortOut):
    description = serializers.CharField()
    priceBtc = serializers.SerializerMethodField()
    priceEur = serializers.SerializerMethodField()
    seller = SellerOut(source="shop")

    def get_priceBtc(self, product) -> Decimal | None:
        return btc(product.price_minor)

    def get_priceEur(self, product) -> Decimal | None:
        return eur(product.price_eur_minor)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        order = ["id", "name", "description", "priceBtc", "priceEur", "images", "seller"]
        return {k: data[k] for k in order}


class OrderItemShortOut(serializers.Serializer):
    id = PublicIdField(CryptoShopIds.ORDER_ITEM)
    productId = serializers.SerializerMethodField()
    quantity = serializers.IntegerField()
    priceBtc = serializers.SerializerMethodField()
    priceEur = serializers.SerializerMethodField()

    def get_productId(self, item: OrderItem) -> str | None:
        return CryptoShopIds.PRODUCT(item.product.uid) if item.product_id else None

    def get_priceBtc(self, item: OrderItem) -> Decimal | None:
        return btc(item.unit_price_minor)

    def get_priceEur(self, item: OrderItem) -> Decimal | None:
        return eur(item.unit_price_eur_minor)


class OrderItemListOut(OrderItemShortOut):
    product = ProductShortOut(allow_null=True)


class OrderItemDetailOut(OrderItemShortOut):
    product = ProductDetailOut(allow_null=True)


class _OrderCore(serializers.Serializer):
    id = PublicIdField(CryptoShopIds.ORDER)
    buyerId = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    totalBtc = serializers.SerializerMethodField()
    totalEur = serializers.SerializerMethodField()

    def get_buyerId(self, order: Order) -> str:
        return CryptoShopIds.USER(order.buyer.uid)

    def get_status(self, order: Order) -> str:
        return CRYPTOSHOP_STATUS_NAME[Status(order.status)]

    def get_totalBtc(self, order: Order) -> Decimal | None:
        return btc(order.total_minor)

    def get_totalEur(self, order: Order) -> Decimal | None:
        return eur(order.total_eur_minor)


class OrderCreatedOut(_OrderCore):
    createdAt = serializers.DateTimeField(source="created_at")
    orderItems = OrderItemShortOut(many=True, source="items.all")


class EscrowShortOut(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.CharField()
    amountBtc = serializers.DecimalField(max_digits=16, decimal_places=8)


class OrderOut(_OrderCore):
    paymentHash = serializers.SerializerMethodField()
    paymentConfirmed = serializers.BooleanField(source="is_paid")
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")
    completedAt = serializers.DateTimeField(source="completed_at", allow_null=True)
    orderItems = OrderItemListOut(many=True, source="items.all")
    # null until the buyer creates the order's escrow (POST /api/escrow)
    escrowTransaction = serializers.SerializerMethodField()

    def get_paymentHash(self, order: Order) -> str | None:
        return order.payment_hash or None

    @extend_schema_field(EscrowShortOut(allow_null=True))
    def get_escrowTransaction(self, order: Order) -> dict | None:
        escrow = getattr(order, "escrow", None)  # select_related: no query either way
        if escrow is None:
            return None
        return {
            "id": CryptoShopIds.ESCROW(escrow.uid),
            "status": escrow.status,
            "amountBtc": btc(escrow.amount_minor),
        }


def order_list_entries(orders) -> list[dict]:
    """What `OrderOut(orders, many=True).data` gives, built directly: DRF's nested
    serializers were a third of the order list's CPU. The serializer stays the schema and
    the reference (tests/orders/api/test_order_list_entries.py holds the two equal)."""
    entries = []
    for order in orders:
        escrow = getattr(order, "escrow", None)
        entries.append(
            {
                "id": CryptoShopIds.ORDER(order.uid),
                "buyerId": CryptoShopIds.USER(order.buyer.uid),
                "status": CRYPTOSHOP_STATUS_NAME[Status(order.status)],
                "totalBtc": btc(order.total_minor),
                "totalEur": eur(order.total_eur_minor),
                "paymentHash": order.payment_hash or None,
                "paymentConfirmed": order.is_paid,
                "createdAt": api_datetime(order.created_at),
                "updatedAt": api_datetime(order.updated_at),
                "completedAt": api_datetime(order.completed_at),
                "orderItems": [_list_item(item) for item in order.items.all()],
                "escrowTransaction": None
                if escrow is None
                else {
                    "id": CryptoShopIds.ESCROW(escrow.uid),
                    "status": escrow.status,
                    "amountBtc": btc(escrow.amount_minor),
                },
            }
        )
    return entries


def _list_item(item: OrderItem) -> dict:
    product = item.product if item.product_id else None
    return {
        "id": CryptoShopIds.ORDER_ITEM(item.uid),
        "productId": CryptoShopIds.PRODUCT(product.uid) if product else None,
        "quantity": item.quantity,
        "priceBtc": btc(item.unit_price_minor),
        "priceEur": eur(item.unit_price_eur_minor),
        "product": None
        if product is None
        else {
            "id": CryptoShopIds.PRODUCT(product.uid),
            "name": product.name,
            "images": _images(product),
        },
    }


class OrderDetailOut(OrderOut):
    orderItems = OrderItemDetailOut(many=True, source="items.all")


class OrderUpdatedOut(serializers.Serializer):
    id = PublicIdField(CryptoShopIds.ORDER)
    status = serializers.SerializerMethodField()
    paymentHash = serializers.SerializerMethodField()
    paymentConfirmed = serializers.BooleanField(source="is_paid")
    updatedAt = serializers.DateTimeField(source="updated_at")

    def get_status(self, order: Order) -> str:
        return CRYPTOSHOP_STATUS_NAME[Status(order.status)]

    def get_paymentHash(self, order: Order) -> str | None:
        return order.payment_hash or None


class OrderLineIn(serializers.Serializer):
    productId = serializers.CharField(max_length=40)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000)


class OrderCreateIn(serializers.Serializer):
    items = ItemsField(OrderLineIn, max_length=50, allow_empty=False)


class OrderUpdateIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=CRYPTOSHOP_STATUS_NAMES)
    paymentHash = serializers.CharField(
        max_length=128, required=False, allow_blank=True, allow_null=True
    )


def _visible_order(request, order_id: str) -> Order:
    uid = CryptoShopIds.ORDER.parse(order_id)
    order = selectors.cryptoshop_orders(user=request.user).filter(uid=uid or "").first()
    if order is None:
        raise NotFound("Order", code=OrderErrorCode.ORDER_NOT_FOUND)
    return order


# the actions `PUT /orders/{id}` asks for by naming the status the order should reach
# (PAID and CANCELLED below; nothing moves an order back to PENDING)
MOVES = {
    Status.PROCESSING: order_confirm,
    Status.SHIPPED: order_ship,
    Status.DELIVERED: order_deliver,
    Status.COMPLETED: order_complete,
    Status.REFUNDED: order_refund_record,
}


def _order_update(order: Order, *, target: Status, actor: Actor, user, payment_hash: str) -> Order:
    """The action `PUT /orders/{id}` asks for. PAID asks to confirm the payment by its hash
    (refused: a CryptoShop order is paid by its escrow); a hash given with another move is
    checked first; a cancellation needs none and ignores one."""
    by = {"order_id": order.pk, "actor": actor, "user": user}
    if target == Status.CANCELLED:
        return order_cancel(**by)
    if target == Status.PAID:
        return order_payment_confirm(**by, payment_hash=payment_hash)
    if payment_hash:
        order_payment_hash_check(order_id=order.pk, payment_hash=payment_hash)
    if target not in MOVES:
        raise invalid_transition(order, target)
    return MOVES[target](**by)


# the domain's refusals in the contract's words: its field names, and where it pays orders
CONTRACT_FIELD = {"payment_hash": "paymentHash"}
CONTRACT_MESSAGE = {
    OrderErrorCode.PAYMENT_NOT_VERIFIED: (
        "An order is paid only when its escrow is funded from the buyer's wallet "
        "(POST /api/escrow); a payment hash cannot mark it paid"
    ),
}


@contextmanager
def in_contract_words() -> Iterator[None]:
    try:
        yield
    except OrderError as exc:
        raise OrderError(
            exc.code,
            CONTRACT_MESSAGE.get(exc.code, exc.message),
            field=CONTRACT_FIELD.get(exc.field or "", exc.field),
            kind=exc.kind,
            details=exc.details,
        ) from exc


class OrdersView(CryptoShopView):
    @extend_schema(
        parameters=[
            *PAGE_PARAMS,
            OpenApiParameter("status", OpenApiTypes.STR, enum=list(CRYPTOSHOP_STATUS_BY_NAME)),
        ],
        responses={200: OrderOut(many=True)},
        operation_id="orders_list",
    )
    def get(self, request):
        page = buyer_orders_page(self, CryptoShopOrderFilter, selectors.cryptoshop_orders_page)
        return self.ok(order_list_entries(page.items), page=page)

    @extend_schema(request=OrderCreateIn, responses={201: OrderCreatedOut})
    def post(self, request):
        data = self.validated_body(OrderCreateIn)
        order = order_create_from_items(
            user=request.user,
            items=[
                (CryptoShopIds.PRODUCT.parse(line["productId"]) or "", line["quantity"])
                for line in data["items"]
            ],
        )
        order = selectors.cryptoshop_orders(user=request.user).get(pk=order.pk)
        return self.ok(OrderCreatedOut(order).data, status=201)


class OrderView(CryptoShopView):
    @extend_schema(request=None, responses={200: OrderDetailOut})
    def get(self, request, order_id: str):
        return self.ok(OrderDetailOut(_visible_order(request, order_id)).data)

    @extend_schema(request=OrderUpdateIn, responses={200: OrderUpdatedOut})
    def put(self, request, order_id: str):
        data = self.validated_body(OrderUpdateIn)
        order = _visible_order(request, order_id)
        with in_contract_words():
            order = _order_update(
                order,
                target=CRYPTOSHOP_STATUS_BY_NAME[data["status"]],
                actor=actor_for(order, request.user),
                user=request.user,
                payment_hash=(data.get("paymentHash") or "").strip(),
            )
        return self.ok(OrderUpdatedOut(order).data)


urlpatterns = [
    path("orders", OrdersView.as_view()),
    path("orders/<str:order_id>", OrderView.as_view()),
]
