"""The order events this domain publishes through the outbox (BRIEF decision 9): to the
buyer, and to the seller of the order's shop (docs/decisions.md, "Seller events").

`data` is the order as the storefront's real-time and webhook payloads show it; ids carry the
storefront's prefixes. Amounts leave here as JSON numbers converted exactly from minor units,
the same conversion the API's renderer applies.
"""

from __future__ import annotations

from typing import Any

from core.ids import CryptoShopIds
from core.money import minor_to_decimal
from core.timefmt import api_datetime
from notifications.outbox import publish

from .models import Order
from .selectors import order_seller_ids
from .state import Actor, Status
from .status_names import CRYPTOSHOP_STATUS_NAME, TECHAVEN_STATUS_LABEL, TECHAVEN_STATUS_NAME

# what the buyer is told when the order reaches a status
BUYER_MESSAGE = {
    Status.PENDING: "Your order has been placed",
    Status.PAID: "Your payment has been received",
    Status.PROCESSING: "Your order has been confirmed",
    Status.SHIPPED: "Your order has been shipped",
    Status.DELIVERED: "Your order has been delivered",
    Status.COMPLETED: "Your order is complete",
    Status.CANCELLED: "Your order has been cancelled",
    Status.REFUNDED: "Your order has been refunded",
}
# the buyer's shipped message names the tracking number when the order has one
BUYER_SHIPPED_TRACKED = "Your order has been shipped. Tracking number: {tracking}"

# what the shop's seller is told when an order placed with them reaches a status ({order}:
# the Techaven order number, the CryptoShop order id — its contract shows no number)
SELLER_MESSAGE = {
    Status.PENDING: "New order {order}",
    Status.PAID: "Order {order} was paid — ready to process",
    Status.PROCESSING: "Order {order} was confirmed",
    Status.SHIPPED: "Order {order} was marked shipped",
    Status.DELIVERED: "Order {order} was delivered",
    Status.COMPLETED: "Order {order} is complete",
    Status.CANCELLED: "Order {order} was cancelled",
    Status.REFUNDED: "Order {order} was refunded to the buyer",
}
# a cancellation says who cancelled (a seller is never told of their own moves)
SELLER_CANCELLED_BY = {
    Actor.BUYER: "Buyer cancelled order {order}",
    Actor.STAFF: "Support cancelled order {order}",
}


def _number(amount_minor: int | None, currency: str) -> float | None:
    # JSON has no decimal type: Decimal → shortest float repr is exactly what DRF renders
    if amount_minor is None:
        return None
    return float(minor_to_decimal(amount_minor, currency))


def order_public_id(order: Order) -> str:
    return f"{'order' if order.storefront == 'cryptoshop' else 'ord'}_{order.uid}"


def buyer_message(order: Order) -> str:
    """What the buyer is told of the order's status (with the tracking number once shipped)."""
    status = Status(order.status)
    if status == Status.SHIPPED and order.tracking_number:
        return BUYER_SHIPPED_TRACKED.format(tracking=order.tracking_number)
    return BUYER_MESSAGE[status]


def seller_message(order: Order, *, actor: Actor) -> str:
    """What the shop's seller is told: the order by its number (CryptoShop: its id), and for
    a cancellation who cancelled it and why."""
    status = Status(order.status)
    ref = order.number if order.storefront == "techaven" else order_public_id(order)
    if status != Status.CANCELLED:
        return SELLER_MESSAGE[status].format(order=ref)
    text = SELLER_CANCELLED_BY.get(actor, SELLER_MESSAGE[status]).format(order=ref)
    return f"{text}: {order.cancel_reason}" if order.cancel_reason else text


def order_snapshot(order: Order, *, message: str | None = None) -> dict[str, Any]:
    """The order as the storefront's real-time and webhook payloads show it; `message` is the
    text for whoever is told (default: the buyer's)."""
    status = Status(order.status)
    if message is None:
        message = buyer_message(order)
    if order.storefront == "cryptoshop":
        oid = order_public_id(order)
        return {
            "id": oid,
            "orderId": oid,
            "buyerId": CryptoShopIds.USER(order.buyer.uid),
            "status": CRYPTOSHOP_STATUS_NAME[status],
            "totalBtc": _number(order.total_minor, order.currency),
            "totalEur": _number(order.total_eur_minor, "EUR"),
            "paymentHash": order.payment_hash or None,
            "paymentConfirmed": order.is_paid,
            "createdAt": api_datetime(order.created_at),
            "updatedAt": api_datetime(order.updated_at),
            "completedAt": api_datetime(order.completed_at),
            "message": message,
        }
    return {
        "id": order_public_id(order),
        "order_id": order_public_id(order),
        "order_number": order.number,
        "status": TECHAVEN_STATUS_NAME[status],
        "status_label": TECHAVEN_STATUS_LABEL[status],
        "total": order.total_minor,
        "currency": order.currency,
        "is_paid": order.is_paid,
        "refund_status": order.refund_status or None,
        "tracking_number": order.tracking_number or None,
        "created_at": api_datetime(order.created_at),
        "updated_at": api_datetime(order.updated_at),
        "message": message,
    }


def order_announce(
    order: Order,
    *,
    created: bool = False,
    actor: Actor = Actor.SYSTEM,
    user=None,
    moved: bool = True,
) -> None:
    """Publish order.created / order.updated inside the caller's transaction: one event for
    the buyer, one for each seller of the order's shop (one event per person, so each person's
    events stay in order and each subscriber gets each event once).

    The buyer hears of every change. A seller hears of the order's creation and of every
    status move they did not make themselves (`user` made this one, as `actor`), never twice
    when they bought it too; `moved=False` (only the refund's progress changed) is the
    buyer's alone. An order mixing several shops has no seller to tell (staff fulfil it).
    """
    name = "order.created" if created else "order.updated"
    data = order_snapshot(order)
    publish(
        name,
        storefront=order.storefront,
        user_id=order.buyer_id,
        data=data,
        notification=_notification(order, title=_title(order), body=data["message"]),
    )
    if not (created or moved):
        return
    told = {order.buyer_id, user.pk if user is not None else None}
    sellers = [pk for pk in order_seller_ids(order) if pk not in told]
    if not sellers:
        return
    message = seller_message(order, actor=actor)
    seller_data = order_snapshot(order, message=message)
    for seller_id in sellers:
        publish(
            name,
            storefront=order.storefront,
            user_id=seller_id,
            data=seller_data,
            notification=_notification(
                order,
                title="New order" if created else _title(order),
                body=message,
                role="seller",
            ),
        )


def _title(order: Order) -> str:
    return f"Order {order.number}" if order.storefront == "techaven" else "Order update"


def _notification(order: Order, *, title: str, body: str, role: str = "") -> dict[str, Any]:
    data = {"order_id": order_public_id(order)}
    if role:
        data["role"] = role  # the seller's app opens its back office, not the buyer's order
    return {"type": "order_update", "title": title, "body": body, "data": data}
