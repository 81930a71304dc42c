"""The order events this domain publishes through the outbox (BRIEF decision 9).

`data` is the order as the storefront's real-time and webhook payloads show it; ids carry the
storefront's prefixes. Amounts leave here as JSON numbers converted exactly from minor units,
the same conversion the API's renderer applies.
"""

from __future__ import annotations

from typing import Any

from core.money import minor_to_decimal
from notifications.outbox import publish

from .models import Order
from .state import Status
from .words import BUYER_MESSAGE, CRYPTOSHOP_STATUS, TECHAVEN_LABEL, TECHAVEN_STATUS


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _number(amount_minor: int | None, currency: str) -> float | None:
    # JSON has no decimal type: Decimal → shortest float repr is exactly what DRF renders
    if amount_minor is None:
        return None
    return float(minor_to_decimal(amount_minor, currency))


def order_public_id(order: Order) -> str:
    return f"{'order' if order.storefront == 'cryptoshop' else 'ord'}_{order.uid}"


def order_snapshot(order: Order) -> dict[str, Any]:
    status = Status(order.status)
    message = BUYER_MESSAGE[status]
    if order.storefront == "cryptoshop":
        oid = order_public_id(order)
        return {
            "id": oid,
            "orderId": oid,
            "buyerId": f"user_{order.buyer.uid}",
            "status": CRYPTOSHOP_STATUS[status],
            "totalBtc": _number(order.total_minor, order.currency),
            "totalEur": _number(order.total_eur_minor, "EUR"),
            "paymentHash": order.payment_hash or None,
            "paymentConfirmed": order.is_paid,
            "createdAt": _iso(order.created_at),
            "updatedAt": _iso(order.updated_at),
            "completedAt": _iso(order.completed_at),
            "message": message,
        }
    return {
        "id": order_public_id(order),
        "order_id": order_public_id(order),
        "order_number": order.number,
        "status": TECHAVEN_STATUS[status],
        "status_label": TECHAVEN_LABEL[status],
        "total": order.total_minor,
        "currency": order.currency,
        "is_paid": order.is_paid,
        "refund_status": order.refund_status or None,
        "tracking_number": order.tracking_number or None,
        "created_at": _iso(order.created_at),
        "updated_at": _iso(order.updated_at),
        "message": message,
    }


def order_announce(order: Order, *, created: bool = False) -> None:
    """Publish order.created / order.updated for the buyer, inside the caller's transaction."""
    data = order_snapshot(order)
    status = Status(order.status)
    title = f"Order {order.number}" if order.storefront == "techaven" else "Order update"
    publish(
        "order.created" if created else "order.updated",
        storefront=order.storefront,
        user_id=order.buyer_id,
        data=data,
        notification={
            "type": "order_update",
            "title": title,
            "body": BUYER_MESSAGE[status],
            "data": {"order_id": order_public_id(order)},
        },
    )
