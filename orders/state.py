"""The one order state machine behind both storefronts (docs/decisions.md, "Orders").

pending → paid → processing → shipped → delivered → completed, plus cancelled and refunded.
`TRANSITIONS` says who may make each move; anything not listed is refused and changes nothing.
`STOREFRONT_RULES` says what each storefront adds. The moves themselves are the actions of
`orders/services/status.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db import models

from accounts.models import Storefront


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
    SELLER = "seller"  # the owner of the order's shop
    STAFF = "staff"
    SYSTEM = "system"  # payment callbacks, escrow, expiry, refunds settling


BUYER, SELLER, STAFF, SYSTEM = Actor.BUYER, Actor.SELLER, Actor.STAFF, Actor.SYSTEM
ANYONE = frozenset(Actor)
SHOP_OR_STAFF = frozenset({SELLER, STAFF})
SYSTEM_ONLY = frozenset({SYSTEM})

# fmt: off
TRANSITIONS: dict[tuple[Status, Status], frozenset[Actor]] = {
    # from                 to                      who may make the move
    # -- the order's way, one step at a time ---------------------------------------------
    # the system when money moved (a provider's callback, a wallet payment, an escrow
    # funded); a person naming the payment where the storefront lets people (below)
    (Status.PENDING,     Status.PAID):           ANYONE,
    (Status.PAID,        Status.PROCESSING):     SHOP_OR_STAFF,
    (Status.PROCESSING,  Status.SHIPPED):        SHOP_OR_STAFF,
    (Status.SHIPPED,     Status.DELIVERED):      SHOP_OR_STAFF,
    (Status.DELIVERED,   Status.COMPLETED):      frozenset({BUYER, STAFF, SYSTEM}),
    # -- a CryptoShop escrow released (by its code, staff or auto-release) completes its order
    #    wherever it stands: digital goods are neither shipped nor delivered ----------------
    (Status.PAID,        Status.COMPLETED):      SYSTEM_ONLY,
    (Status.PROCESSING,  Status.COMPLETED):      SYSTEM_ONLY,
    (Status.SHIPPED,     Status.COMPLETED):      SYSTEM_ONLY,
    # -- cancelled up to processing by anyone; the system also when an unpaid order expires,
    #    its payment fails, or staff refund a disputed or locked escrow ---------------------
    (Status.PENDING,     Status.CANCELLED):      ANYONE,
    (Status.PAID,        Status.CANCELLED):      ANYONE,
    (Status.PROCESSING,  Status.CANCELLED):      ANYONE,
    # staff refunding a disputed escrow take the order back wherever it stands
    (Status.SHIPPED,     Status.CANCELLED):      SYSTEM_ONLY,
    (Status.DELIVERED,   Status.CANCELLED):      SYSTEM_ONLY,
    # -- a cancelled paid order is refunded once the money went back ------------------------
    (Status.CANCELLED,   Status.REFUNDED):       frozenset({STAFF, SYSTEM}),
}
# fmt: on

# stock is still held by the order in these states; leaving them for cancelled gives it back
HOLDS_STOCK = frozenset(
    {Status.PENDING, Status.PAID, Status.PROCESSING, Status.SHIPPED, Status.DELIVERED}
)


def move_exists(current: str, target: str) -> bool:
    return (current, target) in TRANSITIONS


def may_move(current: str, target: str, actor: Actor) -> bool:
    return actor in TRANSITIONS.get((current, target), frozenset())


@dataclass(frozen=True, slots=True)
class StorefrontRules:
    """What a storefront adds to the one state machine."""

    # shipping needs a tracking number and a tracking URL, which the buyer is shown
    shipping_needs_tracking: bool
    # a person may mark an order paid by naming its payment (`order_payment_confirm`);
    # where not, an order is paid only when money moved, and asking is refused as
    # unverified (409 PAYMENT_NOT_VERIFIED)
    people_confirm_payments: bool


STOREFRONT_RULES: dict[str, StorefrontRules] = {
    Storefront.TECHAVEN: StorefrontRules(
        shipping_needs_tracking=True,
        people_confirm_payments=True,
    ),
    # digital goods: nothing to track; an order is paid by funding its escrow from the wallet
    Storefront.CRYPTOSHOP: StorefrontRules(
        shipping_needs_tracking=False,
        people_confirm_payments=False,
    ),
}
