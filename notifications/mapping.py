"""The one place that says how an outbox event looks to each kind of subscriber.

- Socket.IO / WebSocket: `order.*` -> `order:updated` `{orderId, status, message}`,
  `escrow.*` -> `escrow:updated` `{escrowId, status, message}`, `support.message_created`
  -> `support:new_message` `{ticketId, message}`, and an in-app notification ->
  `notification` `{id, type, title, message, data, createdAt}` (CryptoShop "WebSockets").
- Webhooks: `{event, timestamp, data}` for the eight documented event names.
What each event's `data` must hold is written in `notifications/outbox.py`.
"""

from __future__ import annotations

from typing import Any

from core.ids import TechavenIds
from core.timefmt import api_datetime
from notifications.models import Notification, OutboxEvent

# The CryptoShop document's "Webhook Events" table.
WEBHOOK_EVENTS: tuple[str, ...] = (
    "order.created",
    "order.updated",
    "escrow.created",
    "escrow.updated",
    "escrow.released",
    "escrow.disputed",
    # added to the document's list: the escrow's other moves
    "escrow.funded",
    "escrow.refunded",
    "escrow.resolved",
    "support.ticket_created",
    "support.message_created",
)
# The document's own request example subscribes to "support.message".
WEBHOOK_EVENT_ALIASES: dict[str, str] = {"support.message": "support.message_created"}

_DEFAULT_MESSAGES = {
    "order.created": "Your order has been placed",
    "escrow.created": "An escrow transaction has been created",
    "escrow.released": "Funds have been released to the seller",
    "escrow.disputed": "A dispute has been raised",
}


iso = api_datetime


def notification_id(notification: Notification) -> str:
    return TechavenIds.NOTIFICATION(notification.uid)


def notification_payload(notification: Notification) -> dict[str, Any]:
    """The CryptoShop `notification` event body."""
    return {
        "id": notification_id(notification),
        "type": notification.type,
        "title": notification.title,
        "message": notification.body,
        "data": notification.data,
        "createdAt": iso(notification.created_at),
    }


def _status_message(event: OutboxEvent, what: str) -> str:
    data = event.data or {}
    if isinstance(data.get("message"), str):
        return data["message"]
    if event.notification and event.notification.get("body"):
        return str(event.notification["body"])
    if event.name in _DEFAULT_MESSAGES:
        return _DEFAULT_MESSAGES[event.name]
    status = data.get("status")
    return f"Your {what} is now {status}" if status else f"Your {what} has been updated"


def realtime_messages(
    event: OutboxEvent, notification: Notification | None
) -> list[tuple[str, dict[str, Any]]]:
    """(event name, payload) pairs pushed to the user's Socket.IO and WebSocket clients."""
    data = event.data or {}
    family = event.name.split(".", 1)[0]
    messages: list[tuple[str, dict[str, Any]]] = []
    if family == "order" and "id" in data:
        messages.append(
            (
                "order:updated",
                {
                    "orderId": data["id"],
                    "status": data.get("status"),
                    "message": _status_message(event, "order"),
                },
            )
        )
    elif family == "escrow" and "id" in data:
        messages.append(
            (
                "escrow:updated",
                {
                    "escrowId": data["id"],
                    "status": data.get("status"),
                    "message": _status_message(event, "escrow"),
                },
            )
        )
    elif event.name == "support.message_created" and "message" in data:
        messages.append(
            ("support:new_message", {"ticketId": data.get("ticketId"), "message": data["message"]})
        )
    if notification is not None:
        messages.append(("notification", notification_payload(notification)))
    return messages


def webhook_data(event: OutboxEvent) -> dict[str, Any]:
    """The webhook `data`: the object itself (Order, Escrow, Ticket, Message object)."""
    data = dict(event.data or {})
    if event.name.split(".", 1)[0] in ("order", "escrow"):
        data.pop("message", None)  # the optional real-time text is not part of the object
    if event.name == "support.message_created" and isinstance(data.get("message"), dict):
        message = dict(data["message"])
        message.setdefault("ticketId", data.get("ticketId"))
        return message
    return data
