"""Moving orders through the state machine (orders/state.py), one action per move.

A person's actions: `order_payment_confirm`, `order_confirm`, `order_ship`, `order_deliver`,
`order_complete`, `order_cancel`, `order_refund_record`; the system's, when money moved or
time ran out, follow them. Each locks the order first (lock order: the order, its escrow,
products and shops, ledger accounts), checks the move against the transition table and the
storefront's rules (`orders.state.STOREFRONT_RULES`), records it in the status history and
announces it through the outbox, in one transaction. Refusals name the statuses in the words
of the order's storefront and the fields by the model's names; each API says them in its
contract's words.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from catalog import pagecache
from catalog.models import Product
from core.errors import ErrorKind
from wallet.services import (
    WALLET_PROVIDER,
    order_refund_to_wallet,
    payments_reconcile_for_orders,
    refund_again,
    refund_start,
)

from .. import conf
from ..errors import OrderError, OrderErrorCode
from ..events import order_announce
from ..locks import order_lock
from ..models import Order, OrderStatusHistory
from ..signals import order_moved
from ..state import HOLDS_STOCK, STOREFRONT_RULES, Actor, Status, may_move, move_exists
from ..status_names import STATUS_NAME_IN_REFUSALS
from .coupons import coupon_release

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

NOT_CANCELLABLE = {Status.SHIPPED, Status.DELIVERED, Status.COMPLETED}
# `payment_provider` of an order paid by funding its escrow from the buyer's wallet
ESCROW_PROVIDER = "escrow"


def invalid_transition(order: Order, target: Status) -> OrderError:
    """The refusal of a move the transition table does not have (nothing leads back to
    pending, nor skips a step), naming both statuses as the order's storefront does."""
    name = STATUS_NAME_IN_REFUSALS[order.storefront]
    current = Status(order.status)
    return OrderError(
        OrderErrorCode.INVALID_TRANSITION,
        f"An order that is {name[current].lower()} cannot become {name[target].lower()}",
        field="status",
        details={"from": name[current], "to": name[target]},
    )


def _move(
    order: Order, target: Status, *, actor: Actor, user: User | None = None, note: str = ""
) -> None:
    """One checked step; the caller holds the order's row lock."""
    current = Status(order.status)
    if not move_exists(current, target):
        raise invalid_transition(order, target)
    if not may_move(current, target, actor):
        to = STATUS_NAME_IN_REFUSALS[order.storefront][target].lower()
        raise OrderError(
            OrderErrorCode.TRANSITION_NOT_PERMITTED,
            f"The {actor.value} may not mark this order {to}",
            kind=ErrorKind.FORBIDDEN,
        )
    if target == Status.REFUNDED and not (order.is_paid or order.refund_status):
        # nothing was paid (nor paid late, whose refund is owed): there is nothing to refund
        raise invalid_transition(order, target)
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
    cancelled stops counting). Plain F() updates, but each UPDATE locks its row until the
    commit: products then shops, each in primary-key order, as checkout takes them, or two
    settlements of orders listing the same products in another order deadlock."""
    from collections import Counter

    from catalog.models import Shop

    units: Counter[int] = Counter()
    revenue: Counter[int] = Counter()
    for item in order.items.all():
        if item.product_id:
            units[item.product_id] += item.quantity
        if item.shop_id:
            revenue[item.shop_id] += item.subtotal_minor
    for product_id in sorted(units):
        Product.objects.filter(pk=product_id).update(
            sales_count=Greatest(F("sales_count") + sign * units[product_id], 0)
        )
    for shop_id in sorted(revenue):
        Shop.objects.filter(pk=shop_id).update(
            sales_count=Greatest(F("sales_count") + sign, 0),
            revenue_minor=F("revenue_minor") + sign * revenue[shop_id],
        )
    pagecache.catalog_changed()  # sales counts order the best-seller lists


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
    pagecache.stock_changed(i.product_id for i in items)
    order.stock_returned = True


def actor_for(order: Order, user: User | None) -> Actor | None:
    """What part `user` plays in `order` (None: no part; such callers get a 404)."""
    if user is None:
        return None
    if user.is_staff:
        return Actor.STAFF
    if order.buyer_id == user.pk:
        return Actor.BUYER
    if order.shop_id is not None and order.shop.owner_id == user.pk:
        return Actor.SELLER
    return None


# --- moves a person makes (buyer, seller of the order's shop, staff) -----------------------


def _payment_not_verified() -> OrderError:
    return OrderError(
        OrderErrorCode.PAYMENT_NOT_VERIFIED,
        "A payment hash does not pay an order: it is paid when its money moved",
        field="payment_hash",
        kind=ErrorKind.CONFLICT,
    )


def _payment_hash_check(order: Order, payment_hash: str) -> None:
    if order.status == Status.PENDING:
        raise _payment_not_verified()
    if payment_hash != order.payment_hash:
        raise OrderError(
            OrderErrorCode.INVALID_TRANSITION,
            "The payment hash can only be given while the order awaits payment",
            field="payment_hash",
        )


def _step(order_id: int, target: Status, *, actor: Actor, user: User | None, note: str) -> Order:
    order = order_lock(order_id)
    _move(order, target, actor=actor, user=user, note=note)
    order_announce(order, actor=actor, user=user)
    return order


@transaction.atomic(durable=True)
def order_payment_confirm(
    *,
    order_id: int,
    actor: Actor,
    payment_hash: str,
    user: User | None = None,
    note: str = "",
) -> Order:
    """A person says the order was paid, naming the payment: pending → paid.

    Where the storefront pays orders only when money moved (CryptoShop: the escrow funded
    from the buyer's wallet), refused as unverified (409 PAYMENT_NOT_VERIFIED) whatever the
    order's status. Elsewhere the payment hash is required, recorded, and the move checked.
    """
    order = order_lock(order_id)
    if not STOREFRONT_RULES[order.storefront].people_confirm_payments:
        raise _payment_not_verified()
    if not payment_hash:
        raise OrderError(
            OrderErrorCode.PAYMENT_HASH_REQUIRED,
            "A payment hash is required to mark an order paid",
            field="payment_hash",
        )
    if order.status == Status.PENDING:
        order.payment_hash = payment_hash
    else:
        _payment_hash_check(order, payment_hash)
    _move(order, Status.PAID, actor=actor, user=user, note=note)
    order_announce(order, actor=actor, user=user)
    return order


@transaction.atomic(durable=True)
def order_payment_hash_check(*, order_id: int, payment_hash: str) -> None:
    """A payment hash a person gives along with another move (CryptoShop's `PUT
    /orders/{id}` may carry one) pays nothing and changes nothing, and must be the order's
    own: while the order awaits payment it is a claim of payment that only money moving
    proves (409 PAYMENT_NOT_VERIFIED); once paid, it must be the hash it was paid with (400
    INVALID_TRANSITION). Checked before the move, in its own transaction: the answer cannot
    change in between, since a paid order's hash never changes and nothing returns to
    pending."""
    _payment_hash_check(order_lock(order_id), payment_hash)


@transaction.atomic(durable=True)
def order_confirm(
    *, order_id: int, actor: Actor, user: User | None = None, note: str = ""
) -> Order:
    """The shop (or staff) takes on a paid order: paid → processing (CryptoShop: CONFIRMED;
    its escrow is confirmed with it)."""
    return _step(order_id, Status.PROCESSING, actor=actor, user=user, note=note)


@transaction.atomic(durable=True)
def order_ship(
    *,
    order_id: int,
    actor: Actor,
    user: User | None = None,
    tracking_number: str = "",
    tracking_url: str = "",
    note: str = "",
) -> Order:
    """processing → shipped. Where the storefront says so (Techaven) the tracking number and
    URL are required; the history's note names the tracking number unless a note is given."""
    order = order_lock(order_id)
    tracking_number, tracking_url = tracking_number.strip(), tracking_url.strip()
    if STOREFRONT_RULES[order.storefront].shipping_needs_tracking:
        for field, value in (("tracking_number", tracking_number), ("tracking_url", tracking_url)):
            if not value:
                raise OrderError(
                    OrderErrorCode.TRACKING_REQUIRED,
                    f"{field} is required to ship an order",
                    field=field,
                )
    order.tracking_number = tracking_number
    order.tracking_url = tracking_url
    if not note and tracking_number:
        note = f"Tracking number {tracking_number}"
    _move(order, Status.SHIPPED, actor=actor, user=user, note=note)
    order_announce(order, actor=actor, user=user)
    return order


@transaction.atomic(durable=True)
def order_deliver(
    *, order_id: int, actor: Actor, user: User | None = None, note: str = ""
) -> Order:
    """shipped → delivered."""
    return _step(order_id, Status.DELIVERED, actor=actor, user=user, note=note)


@transaction.atomic(durable=True)
def order_complete(
    *, order_id: int, actor: Actor, user: User | None = None, note: str = ""
) -> Order:
    """The buyer (or staff) closes a delivered order: delivered → completed. An order whose
    payment is held in escrow completes when the escrow is released (409 HELD_IN_ESCROW)."""
    return _step(order_id, Status.COMPLETED, actor=actor, user=user, note=note)


@transaction.atomic(durable=True)
def order_cancel(
    *, order_id: int, actor: Actor, user: User | None = None, reason: str = ""
) -> Order:
    """Cancel before shipping: stock and the coupon use come back; money paid through a
    provider is refunded through the same provider (`refund_status` processing)."""
    order = order_lock(order_id)
    _cancel(order, actor=actor, user=user, reason=reason)
    order_announce(order, actor=actor, user=user)
    return order


@transaction.atomic(durable=True)
def order_refund_record(
    *, order_id: int, actor: Actor, user: User | None = None, note: str = ""
) -> Order:
    """Staff record that a cancelled order's money went back to the buyer: cancelled →
    refunded (refunds made here move it by themselves)."""
    return _step(order_id, Status.REFUNDED, actor=actor, user=user, note=note)


def _cancel(order: Order, *, actor: Actor, user: User | None, reason: str) -> None:
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


def _refund(order: Order, *, actor: Actor, user: User | None) -> None:
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


# --- moves made by the system -------------------------------------------------------------


@transaction.atomic
def order_payment_succeeded(*, order_id: int, reference: str) -> bool:
    """The provider confirmed the order's payment: pending → paid. Money for an order that no
    longer awaits it (expired or cancelled meanwhile) goes back: its refund is marked
    processing under the same lock, and False tells the caller (the wallet) to send it."""
    order = order_lock(order_id)
    if order.status == Status.PENDING:
        _move(order, Status.PAID, actor=Actor.SYSTEM, note=f"Payment {reference} confirmed")
        order_announce(order, actor=Actor.SYSTEM)
        return True
    order.refund_status = Order.RefundStatus.PROCESSING
    order.save(update_fields=["refund_status", "updated_at"])
    return False


@transaction.atomic
def order_paid_by_escrow(*, order_id: int, reference: str) -> Order:
    """The order's escrow was funded from the buyer's wallet: the money moved, so the order
    is paid (its `payment_hash` is the ledger transaction's reference). The caller holds the
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


# the `cancel_reason` of an order whose payment failed (its payment page says so)
PAYMENT_FAILED = "Payment failed"


@transaction.atomic
def order_payment_failed(*, order_id: int, reference: str) -> None:
    """The buyer declined, the provider refused or could not open the payment (`reference`
    empty when none was opened): the order is cancelled, stock comes back."""
    order = order_lock(order_id)
    if order.status != Status.PENDING:
        return
    note = f"Payment {reference} failed" if reference else PAYMENT_FAILED
    _move(order, Status.CANCELLED, actor=Actor.SYSTEM, note=note)
    order.cancel_reason = PAYMENT_FAILED
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


# what staff type on an order's admin page; its status and money move only by the actions
STAFF_EDITABLE = ("tracking_number", "tracking_url", "notes")


@transaction.atomic
def order_staff_edit(*, order_id: int, changes: dict[str, str]) -> None:
    """Staff's edit of the order's page (`STAFF_EDITABLE` only), under the order's lock and
    as a write of those columns alone: the whole row as the page read it undid a payment
    that committed meanwhile."""
    order_lock(order_id)
    fields = {name: changes[name] for name in STAFF_EDITABLE if name in changes}
    Order.objects.filter(pk=order_id).update(**fields, updated_at=timezone.now())


@transaction.atomic(durable=True)
def order_refund_retry(*, order_id: int, user: User) -> Order:
    """Staff send a refund its provider failed once more (admin): a new refund of the same
    payment, the order's `refund_status` processing again until it settles."""
    order = order_lock(order_id)
    if order.refund_status != Order.RefundStatus.FAILED or refund_again(order_id=order.pk) is None:
        raise OrderError(
            OrderErrorCode.INVALID_TRANSITION, "Only a refund that failed can be sent again"
        )
    order.refund_status = Order.RefundStatus.PROCESSING
    order.save(update_fields=["refund_status", "updated_at"])
    logger.info("order %s: refund sent again by %s", order.number, user)
    order_announce(order, actor=Actor.STAFF, user=user, moved=False)
    return order


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
