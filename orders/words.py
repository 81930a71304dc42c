"""How each storefront words the one state machine (BRIEF decision 5)."""

from .state import Actor, Status

# Techaven's filter knows pending, processing, shipped, delivered, cancelled: a paid order is
# being processed, a completed one was delivered, a refunded one was cancelled (refund_status
# tells the money side).
TECHAVEN_STATUS = {
    Status.PENDING: "pending",
    Status.PAID: "processing",
    Status.PROCESSING: "processing",
    Status.SHIPPED: "shipped",
    Status.DELIVERED: "delivered",
    Status.COMPLETED: "delivered",
    Status.CANCELLED: "cancelled",
    Status.REFUNDED: "cancelled",
}
TECHAVEN_FILTER: dict[str, list[str]] = {}
for _internal, _word in TECHAVEN_STATUS.items():
    TECHAVEN_FILTER.setdefault(_word, []).append(_internal.value)

TECHAVEN_LABEL = {
    Status.PENDING: "Pending",
    Status.PAID: "Paid",
    Status.PROCESSING: "Processing",
    Status.SHIPPED: "Shipped",
    Status.DELIVERED: "Delivered",
    Status.COMPLETED: "Completed",
    Status.CANCELLED: "Cancelled",
    Status.REFUNDED: "Refunded",
}

CRYPTOSHOP_STATUS = {
    Status.PENDING: "PENDING",
    Status.PAID: "PAID",
    Status.PROCESSING: "CONFIRMED",
    Status.SHIPPED: "SHIPPED",
    Status.DELIVERED: "DELIVERED",
    Status.COMPLETED: "COMPLETED",
    Status.CANCELLED: "CANCELLED",
    Status.REFUNDED: "REFUNDED",
}
CRYPTOSHOP_FROM_WORD = {word: internal for internal, word in CRYPTOSHOP_STATUS.items()}
CRYPTOSHOP_STATUS_WORDS = sorted(CRYPTOSHOP_FROM_WORD)

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
