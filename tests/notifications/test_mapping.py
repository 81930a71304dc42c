"""The one mapping from outbox events to Socket.IO/WebSocket events and webhook data."""

from __future__ import annotations

from notifications.mapping import realtime_messages, webhook_data
from notifications.models import OutboxEvent

MESSAGE = {
    "id": "msg_709",
    "content": "Here's more information about my issue.",
    "isStaff": False,
    "user": {"username": "user_1640995200000", "avatar": None},
    "createdAt": "2024-01-01T02:00:00Z",
}


def _event(name, data, notification=None) -> OutboxEvent:
    return OutboxEvent(name=name, storefront="cryptoshop", data=data, notification=notification)


def test_escrow_events_become_escrow_updated():
    for name in ("escrow.created", "escrow.updated", "escrow.released", "escrow.disputed"):
        (message,) = realtime_messages(_event(name, {"id": "escrow_202", "status": "X"}), None)
        assert message[0] == "escrow:updated"
        assert set(message[1]) == {"escrowId", "status", "message"}
    released = realtime_messages(
        _event("escrow.released", {"id": "escrow_202", "status": "RELEASED"}), None
    )
    assert released == [
        (
            "escrow:updated",
            {
                "escrowId": "escrow_202",
                "status": "RELEASED",
                "message": "Funds have been released to the seller",
            },
        )
    ]


def test_order_message_comes_from_data_then_notification_then_status():
    data = {"id": "order_789", "status": "CONFIRMED"}
    assert realtime_messages(_event("order.updated", data), None)[0][1]["message"] == (
        "Your order is now CONFIRMED"
    )
    noted = _event("order.updated", data, {"title": "t", "body": "Confirmed!"})
    assert realtime_messages(noted, None)[0][1]["message"] == "Confirmed!"
    told = _event("order.updated", {**data, "message": "Your order has been confirmed"})
    assert realtime_messages(told, None)[0][1]["message"] == "Your order has been confirmed"
    # the optional text is not part of the webhook's Order object
    assert webhook_data(told) == data


def test_support_message_becomes_support_new_message_and_a_message_object_webhook():
    event = _event("support.message_created", {"ticketId": "ticket_606", "message": MESSAGE})
    assert realtime_messages(event, None) == [
        ("support:new_message", {"ticketId": "ticket_606", "message": MESSAGE})
    ]
    assert webhook_data(event) == {**MESSAGE, "ticketId": "ticket_606"}


def test_events_without_a_socket_event_send_nothing_but_their_notification():
    ticket = _event("support.ticket_created", {"id": "ticket_606", "status": "OPEN"})
    assert realtime_messages(ticket, None) == []
    assert webhook_data(ticket) == {"id": "ticket_606", "status": "OPEN"}
    assert realtime_messages(_event("wallet.credited", {"id": "w"}), None) == []
