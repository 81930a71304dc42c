"""What each storefront calls the one state machine's statuses (docs/decisions.md, "Orders":
"CryptoShop words", "Techaven words")."""

from __future__ import annotations

from accounts.models import Storefront

from .state import Status

# Techaven's `status` (and its filter) knows pending, processing, shipped, delivered,
# cancelled: a paid order is being processed, a completed one was delivered, a refunded one
# was cancelled (refund_status tells the money side).
TECHAVEN_STATUS_NAME = {
    Status.PENDING: "pending",
    Status.PAID: "processing",
    Status.PROCESSING: "processing",
    Status.SHIPPED: "shipped",
    Status.DELIVERED: "delivered",
    Status.COMPLETED: "delivered",
    Status.CANCELLED: "cancelled",
    Status.REFUNDED: "cancelled",
}
# `?status=` → the statuses it lists
TECHAVEN_STATUS_FILTER: dict[str, list[str]] = {}
for _status, _name in TECHAVEN_STATUS_NAME.items():
    TECHAVEN_STATUS_FILTER.setdefault(_name, []).append(_status.value)

# Techaven's `status_label`: every status by its own name
TECHAVEN_STATUS_LABEL = {status: status.label for status in Status}

# the `label` of each entry of a Techaven order's status history: the status's own name,
# but for the first two steps
TECHAVEN_HISTORY_LABEL = {
    **TECHAVEN_STATUS_LABEL,
    Status.PENDING: "Order Placed",
    Status.PAID: "Payment Received",
}

CRYPTOSHOP_STATUS_NAME = {
    Status.PENDING: "PENDING",
    Status.PAID: "PAID",
    Status.PROCESSING: "CONFIRMED",
    Status.SHIPPED: "SHIPPED",
    Status.DELIVERED: "DELIVERED",
    Status.COMPLETED: "COMPLETED",
    Status.CANCELLED: "CANCELLED",
    Status.REFUNDED: "REFUNDED",
}
CRYPTOSHOP_STATUS_BY_NAME = {name: status for status, name in CRYPTOSHOP_STATUS_NAME.items()}
# the `status` enum of CryptoShop's schema (settings.SPECTACULAR_SETTINGS)
CRYPTOSHOP_STATUS_NAMES = sorted(CRYPTOSHOP_STATUS_BY_NAME)

# how a refused move names the statuses to the people of the order's storefront
STATUS_NAME_IN_REFUSALS: dict[str, dict[Status, str]] = {
    Storefront.TECHAVEN: TECHAVEN_STATUS_LABEL,
    Storefront.CRYPTOSHOP: CRYPTOSHOP_STATUS_NAME,
}
