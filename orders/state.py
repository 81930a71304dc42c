"""The one order state machine behind both storefronts (BRIEF decision 5).

pending → paid → processing → shipped → delivered → completed, plus cancelled and refunded.
`TRANSITIONS` says who may make each move; anything not listed is refused and changes nothing.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    PAID = "paid", "Paid"
    PROCESSING = "processing", "Processing"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"


class Actor(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    STAFF = "staff"
    SYSTEM = "system"  # payment callbacks, expiry, refunds settling


B, SE, ST, SY = Actor.BUYER, Actor.SELLER, Actor.STAFF, Actor.SYSTEM

# (from, to) -> who may make the move
TRANSITIONS: dict[tuple[str, str], frozenset[Actor]] = {
    # the payment provider's callback (system); a CryptoShop buyer declaring a paymentHash
    (Status.PENDING, Status.PAID): frozenset({B, SE, ST, SY}),
    (Status.PENDING, Status.CANCELLED): frozenset({B, SE, ST, SY}),
    (Status.PAID, Status.PROCESSING): frozenset({SE, ST}),
    # the system too: staff refunding a disputed or locked escrow (order_refund_by_escrow)
    (Status.PAID, Status.CANCELLED): frozenset({B, SE, ST, SY}),
    (Status.PROCESSING, Status.SHIPPED): frozenset({SE, ST}),
    (Status.PROCESSING, Status.CANCELLED): frozenset({B, SE, ST, SY}),
    (Status.SHIPPED, Status.DELIVERED): frozenset({SE, ST}),
    (Status.DELIVERED, Status.COMPLETED): frozenset({B, ST, SY}),
    # a CryptoShop escrow released (by its code, staff or auto-release) completes its order
    # wherever it stands: digital goods are neither shipped nor delivered
    (Status.PAID, Status.COMPLETED): frozenset({SY}),
    (Status.PROCESSING, Status.COMPLETED): frozenset({SY}),
    (Status.SHIPPED, Status.COMPLETED): frozenset({SY}),
    # staff refunding a disputed escrow take the order back wherever it stands
    (Status.SHIPPED, Status.CANCELLED): frozenset({SY}),
    (Status.DELIVERED, Status.CANCELLED): frozenset({SY}),
    # a cancelled paid order becomes refunded once the provider has paid the money back
    (Status.CANCELLED, Status.REFUNDED): frozenset({ST, SY}),
}

# stock is still held by the order in these states; leaving them for cancelled gives it back
HOLDS_STOCK = frozenset(
    {Status.PENDING, Status.PAID, Status.PROCESSING, Status.SHIPPED, Status.DELIVERED}
)

# words used in status history (Techaven shows them as `label`)
HISTORY_LABELS = {
    Status.PENDING: "Order Placed",
    Status.PAID: "Payment Received",
    Status.PROCESSING: "Processing",
    Status.SHIPPED: "Shipped",
    Status.DELIVERED: "Delivered",
    Status.COMPLETED: "Completed",
    Status.CANCELLED: "Cancelled",
    Status.REFUNDED: "Refunded",
}


def can_move(current: str, target: str) -> bool:
    return (current, target) in TRANSITIONS


def allowed(current: str, target: str, actor: Actor) -> bool:
    return actor in TRANSITIONS.get((current, target), frozenset())
