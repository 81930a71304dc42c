"""Moving orders through the state machine (orders/state.py). Every move is checked against
the transition table, recorded in the status history and announced through the outbox."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from catalog.models import Product
from core.errors import ErrorKind
from wallet.services import (
    WALLET_PROVIDER,
    order_refund_to_wallet,
    payments_reconcile_for_orders,
    refund_start,
)

from .. import conf
from ..errors import OrderError, OrderErrorCode
from ..events import order_announce
from ..locks import order_lock
from ..models import Order, OrderStatusHistory
from ..signals import order_moved
from ..state import HOLDS_STOCK, Actor, Status, may_move, move_exists
from ..status_names import STATUS_NAME_IN_REFUSALS
from .coupons import coupon_release

NOT_CANCELLABLE = {Status.SHIPPED, Status.DELIVERED, Status.COMPLETED}
# `payment_provider` of an order paid by funding its escrow from the buyer's wallet
ESCROW_PROVIDER = "escrow"


def _move(order: Order, target: Status, *, actor: Actor, user=None, note: str = "") -> None:
    """One checked step; the caller holds the order's row lock."""
    current = Status(order.status)
    name = STATUS_NAME_IN_REFUSALS[order.storefront]
    was, to = name[current].lower(), name[target].lower()
    if not move_exists(current, target):
        raise OrderError(
            OrderErrorCode.INVALID_TRANSITION,
            f"An order that is {was} cannot become {to}",
            field="status",
            details={"from": name[current], "to": name[target]},
        )
    if not may_move(current, target, actor):
        raise OrderError(
            OrderErrorCode.TRANSITION_NOT_PERMITTED,
            f"The {actor.value} may not mark this order {to}",
            kind=ErrorKind.FORBIDDEN,
        )
    now = timezone.now()
    if target == Status.CANCELLED and current in HOLDS_STOCK:
        _return_stock(order)
        coupon_release(order=order)
        order.cancelled_at = now
    stamp = {
        Status.PAID: "paid_at",
        Status.SHIPPED: "shipped_at",
        Status.DELIVERED: "delivered_at",
        Status.COMPLETED: "completed_at",
    }.get(target)
    if stamp:
        setattr(order, stamp, now)
    if target == Status.PAID:
        order.is_paid = True
        _count_sales(order, +1)
    elif target == Status.CANCELLED and order.is_paid:
        _count_sales(order, -1)
    order.status = target
    order.save()
    OrderStatusHistory.objects.create(
        order=order, status=target, note=note[:500], actor_role=actor, actor=user, created_at=now
    )
    order_moved.send(sender=Order, order=order, previous=current, actor=actor, user=user)


def _count_sales(order: Order, sign: int) -> None:
    """Keep the catalog's sales counters in step with paid orders (a paid order that is
    cancelled stops counting). Plain F() updates: no lock needed for a counter."""
    from collections import defaultdict

    from catalog.models import Shop

    per_shop: dict[int, int] = defaultdict(int)
    for item in order.items.all():
        if item.product_id:
            Product.objects.filter(pk=item.product_id).update(
                sales_count=Greatest(F("sales_count") + sign * item.quantity, 0)
            )
        if item.shop_id:
            per_shop[item.shop_id] += item.subtotal_minor
    for shop_id, revenue in per_shop.items():
        Shop.objects.filter(pk=shop_id).update(
            sales_count=Greatest(F("sales_count") + sign, 0),
            revenue_minor=F("revenue_minor") + sign * revenue,
        )


def _return_stock(order: Order) -> None:
    """Give the order's quantities back to the products (locked in pk order), once."""
    if order.stock_returned:
        return
    from catalog.locks import products_lock

    items = list(order.items.exclude(product_id=None).order_by("product_id"))
    products_lock(i.product_id for i in items)
    for item in items:
        Product.objects.filter(pk=item.product_id).update(
            stock_quantity=F("stock_quantity") + item.quantity
        )
    order.stock_returned = True


def _actor_of(order: Order, user) -> Actor | None:
    if user is None:
        return None
    if user.is_staff:
        return Actor.STAFF
    if order.buyer_id == user.pk:
        return Actor.BUYER
    if order.shop_id is not None and order.shop.owner_id == user.pk:
        return Actor.SELLER
    return None


@transaction.atomic(durable=True)
def order_cancel(*, order_id: int, actor: Actor, user=None, reason: str = "") -> Order:
    """Cancel before shipping: stock and the coupon use come back; money paid through a
    provider is refunded through the same provider (`refund_status` processing)."""
    order = order_lock(order_id)
    _cancel(order, actor=actor, user=user, reason=reason)
    order_announce(order, actor=actor, user=user)
    return order


def _cancel(order: Order, *, actor: Actor, user, reason: str) -> None:
    if order.status in NOT_CANCELLABLE:
        raise OrderError(
            OrderErrorCode.NOT_CANCELLABLE,
            "Order cannot be cancelled once shipped or delivered",
        )
    was_paid = order.is_paid
    _move(order, Status.CANCELLED, actor=actor, user=user, note=reason)
    order.cancel_reason = reason[:500]
    order.save(update_fields=["cancel_reason", "updated_at"])
    if was_paid:
        _refund(order, actor=actor, user=user)


def _refund(order: Order, *, actor: Actor, user) -> None:
    """Give a cancelled paid order's money back the way it came: to the wallet or from the
    escrow at once (the cancellation is announced, then the order is refunded), or through
    the provider (processing until it confirms)."""
    if order.payment_provider == WALLET_PROVIDER:
        if order_refund_to_wallet(order_uid=order.uid, order_number=order.number):
            order.refund_status = Order.RefundStatus.COMPLETED
            order_announce(order, actor=actor, user=user)
            _move(order, Status.REFUNDED, actor=Actor.SYSTEM, note="Refunded to the wallet")
        return
    if order.payment_provider == ESCROW_PROVIDER:
        # the escrow gave the money back as the cancel moved (its `order_moved` receiver)
        if order.refund_status == Order.RefundStatus.COMPLETED:
            order_announce(order, actor=actor, user=user)
            _move(order, Status.REFUNDED, actor=Actor.SYSTEM, note="Refunded from escrow")
        return
    if refund_start(order_id=order.pk) is not None:
        order.refund_status = Order.RefundStatus.PROCESSING
        order.save(update_fields=["refund_status", "updated_at"])


@transaction.atomic(durable=True)
def order_status_change(
    *,
    order_id: int,
    target: Status,
    actor: Actor,
    user=None,
    note: str = "",
    tracking_number: str = "",
    tracking_url: str = "",
    payment_hash: str = "",
) -> Order:
    """A buyer, seller or staff move (seller back office, CryptoShop `PUT /orders/{id}`, admin).

    Shipping a Techaven order needs a tracking number and URL. Marking a CryptoShop order
    paid needs the payment hash. A seller confirming a pending order together with a payment
    hash confirms the payment and the order in one call (pending → paid → processing).
    """
    order = order_lock(order_id)
    if target == Status.CANCELLED:
        _cancel(order, actor=actor, user=user, reason=note)
        order_announce(order, actor=actor, user=user)
        return order
    if (
        order.storefront == "cryptoshop"
        and actor != Actor.SYSTEM
        and (target == Status.PAID or (payment_hash and order.status == Status.PENDING))
    ):
        # a hash anyone can type proves nothing: an order is paid when money moved
        raise OrderError(
            OrderErrorCode.PAYMENT_NOT_VERIFIED,
            "An order is paid only when its escrow is funded from the buyer's wallet "
            "(POST /api/escrow); a payment hash cannot mark it paid",
            field="paymentHash",
            kind=ErrorKind.CONFLICT,
        )
    if payment_hash:
        if order.status != Status.PENDING and payment_hash != order.payment_hash:
            raise OrderError(
                OrderErrorCode.INVALID_TRANSITION,
                "The payment hash can only be given while the order awaits payment",
                field="paymentHash",
            )
    if target == Status.PAID and not payment_hash and actor != Actor.SYSTEM:
        raise OrderError(
            OrderErrorCode.PAYMENT_HASH_REQUIRED,
            "paymentHash is required to mark an order paid",
            field="paymentHash",
        )
    if target == Status.SHIPPED and order.storefront == "techaven":
        missing = [
            name
            for name, value in (
                ("tracking_number", tracking_number),
                ("tracking_url", tracking_url),
            )
            if not value.strip()
        ]
        if missing:
            raise OrderError(
                OrderErrorCode.TRACKING_REQUIRED,
                f"{missing[0]} is required to ship an order",
                field=missing[0],
            )
    if (
        target == Status.PROCESSING
        and order.status == Status.PENDING
        and payment_hash
        and actor in (Actor.SELLER, Actor.STAFF)
    ):
        order.payment_hash = payment_hash
        _move(order, Status.PAID, actor=actor, user=user, note=f"Payment {payment_hash}")
    elif payment_hash and order.status == Status.PENDING:
        order.payment_hash = payment_hash
    if target == Status.SHIPPED:
        order.tracking_number = tracking_number.strip()
        order.tracking_url = tracking_url.strip()
        if not note and order.tracking_number:
            note = f"Tracking number {order.tracking_number}"
    _move(order, target, actor=actor, user=user, note=note)
    order_announce(order, actor=actor, user=user)
    return order


def actor_for(order: Order, user) -> Actor | None:
    """What part `user` plays in `order` (None: no part; such callers get a 404)."""
    return _actor_of(order, user)


# --- moves made by the system -------------------------------------------------------------


@transaction.atomic
def order_mark_paid(*, order_id: int, reference: str) -> bool:
    """The provider confirmed the payment. False when the order no longer awaits it (the
    caller then refunds the late payment)."""
    order = order_lock(order_id)
    if order.status != Status.PENDING:
        return False
    _move(order, Status.PAID, actor=Actor.SYSTEM, note=f"Payment {reference} confirmed")
    order_announce(order, actor=Actor.SYSTEM)
    return True


@transaction.atomic
def order_paid_by_escrow(*, order_id: int, reference: str) -> Order:
    """The order's escrow was funded from the buyer's wallet: the money moved, so the order
    is paid (`paymentHash` is the ledger transaction's reference). The caller holds the
    order's lock already (escrow locks the order first, then the escrow)."""
    order = order_lock(order_id)
    order.payment_provider = ESCROW_PROVIDER
    order.payment_hash = reference
    _move(order, Status.PAID, actor=Actor.SYSTEM, note=f"Escrow funded ({reference})")
    order_announce(order, actor=Actor.SYSTEM)
    return order


@transaction.atomic
def order_complete_by_escrow(*, order_id: int, note: str) -> Order:
    """The order's escrow was released to the seller: the order is complete."""
    order = order_lock(order_id)
    if order.status != Status.COMPLETED:
        _move(order, Status.COMPLETED, actor=Actor.SYSTEM, note=note)
        order_announce(order, actor=Actor.SYSTEM)
    return order


@transaction.atomic
def order_refund_by_escrow(*, order_id: int, note: str) -> Order:
    """Staff refunded the order's escrow to the buyer (a dispute): the order is cancelled
    (stock back) and refunded."""
    order = order_lock(order_id)
    order.refund_status = Order.RefundStatus.COMPLETED
    if order.status not in (Status.CANCELLED, Status.REFUNDED):
        _move(order, Status.CANCELLED, actor=Actor.SYSTEM, note=note)
        order.cancel_reason = note[:500]
    if order.status == Status.CANCELLED:
        _move(order, Status.REFUNDED, actor=Actor.SYSTEM, note="Refunded from escrow")
    order.save()
    order_announce(order, actor=Actor.STAFF)
    return order


def order_paid_now(order: Order, *, note: str) -> None:
    """Money moved inside the order's own transaction (a wallet payment): the order, still
    locked by its creator, is paid at once."""
    _move(order, Status.PAID, actor=Actor.SYSTEM, note=note)
    order_announce(order, actor=Actor.SYSTEM)


@transaction.atomic
def order_payment_failed(*, order_id: int, reference: str) -> None:
    """The buyer declined or the provider refused: the order is cancelled, stock comes back."""
    order = order_lock(order_id)
    if order.status != Status.PENDING:
        return
    _move(order, Status.CANCELLED, actor=Actor.SYSTEM, note=f"Payment {reference} failed")
    order.cancel_reason = "Payment failed"
    order.save(update_fields=["cancel_reason", "updated_at"])
    order_announce(order, actor=Actor.SYSTEM)


@transaction.atomic
def order_refund_settled(*, order_id: int, succeeded: bool) -> None:
    order = order_lock(order_id)
    moved = False
    if succeeded:
        order.refund_status = Order.RefundStatus.COMPLETED
        if order.status == Status.CANCELLED:
            _move(order, Status.REFUNDED, actor=Actor.SYSTEM, note="Refund completed")
            moved = True
        else:
            order.save(update_fields=["refund_status", "updated_at"])
    else:
        order.refund_status = Order.RefundStatus.FAILED
        order.save(update_fields=["refund_status", "updated_at"])
    # the seller is told of the move to refunded, not of the refund's own progress
    order_announce(order, actor=Actor.SYSTEM, moved=moved)


@transaction.atomic(durable=True)
def order_expire(*, order_id: int) -> bool:
    """An unpaid order past its time gives its stock back (beat job)."""
    order = order_lock(order_id)
    if order.status != Status.PENDING or order.expires_at is None:
        return False
    if order.expires_at > timezone.now():
        return False
    _move(order, Status.CANCELLED, actor=Actor.SYSTEM, note="Payment not received in time")
    order.cancel_reason = "Payment not received in time"
    order.save(update_fields=["cancel_reason", "updated_at"])
    order_announce(order, actor=Actor.SYSTEM)
    return True


def orders_expire_unpaid() -> int:
    """Expire every overdue unpaid order, each in its own transaction.

    First the providers are asked about these orders' pending payments: one whose callback
    was lost but that went through marks its order paid instead (a declined one cancels it
    as a failed payment). Money that arrives after the expiry is still refunded."""
    ids = list(
        Order.objects.filter(status=Status.PENDING, expires_at__lte=timezone.now())
        .order_by("expires_at")
        .values_list("pk", flat=True)[: conf.expiry_batch_size()]
    )
    payments_reconcile_for_orders(order_ids=ids)
    return sum(1 for pk in ids if order_expire(order_id=pk))
