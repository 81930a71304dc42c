"""What support publishes (BRIEF 9), as the storefronts' real-time and webhook payloads show it.

- `support.ticket_created`: the ticket object (CryptoShop "Create Support Ticket" response).
- `support.message_created`: `{"ticketId", "message": {...}}`, the Socket.IO
  `support:new_message` payload; staff replies also carry a notification for the owner.
- `support.ticket_updated`: the ticket object after a status change; a notification for the
  owner when staff made the move.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from accounts.models import User
from core.ids import MESSAGE, STAFF, CryptoShopIds, TechavenIds
from core.storefront import Storefront
from core.timefmt import api_datetime
from notifications.outbox import publish
from support.models import Message, Ticket, TicketStatus

TICKET_CREATED = "support.ticket_created"
MESSAGE_CREATED = "support.message_created"
TICKET_UPDATED = "support.ticket_updated"

TICKET_ID = {Storefront.TECHAVEN: TechavenIds.TICKET, Storefront.CRYPTOSHOP: CryptoShopIds.TICKET}
USER_ID = {Storefront.TECHAVEN: TechavenIds.USER, Storefront.CRYPTOSHOP: CryptoShopIds.USER}


def ticket_public_id(ticket: Ticket) -> str:
    return TICKET_ID.get(ticket.storefront, CryptoShopIds.TICKET)(ticket.uid)


def user_public_id(user: User) -> str:
    if user.storefront is None:  # staff belong to no storefront (BRIEF 1)
        return STAFF(user.uid)
    return USER_ID.get(user.storefront, CryptoShopIds.USER)(user.uid)


def avatar_url(user: User, base: str | None = None) -> str | None:
    if not user.avatar:
        return None
    url = user.avatar.url
    if url.startswith("http"):
        return url
    return f"{(base or settings.PUBLIC_BASE_URL).rstrip('/')}{url}"


def ticket_data(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket_public_id(ticket),
        "userId": user_public_id(ticket.user),
        "subject": ticket.subject,
        "content": ticket.content,
        "status": ticket.status,
        "priority": ticket.priority,
        "category": ticket.category,
        "createdAt": api_datetime(ticket.created_at),
        "updatedAt": api_datetime(ticket.updated_at),
        "resolvedAt": api_datetime(ticket.resolved_at),
        "ticketNumber": ticket.number,
    }


def message_data(message: Message) -> dict[str, Any]:
    return {
        "ticketId": ticket_public_id(message.ticket),
        "message": {
            "id": MESSAGE(message.uid),
            "content": message.content,
            "isStaff": message.is_staff,
            "user": {
                "username": message.author.username,
                "avatar": avatar_url(message.author),
            },
            "createdAt": api_datetime(message.created_at),
        },
    }


def publish_ticket_created(ticket: Ticket) -> None:
    publish(
        TICKET_CREATED,
        storefront=ticket.storefront,
        user_id=ticket.user_id,
        data=ticket_data(ticket),
    )


def publish_message_created(message: Message) -> None:
    ticket = message.ticket
    notification = None
    if message.is_staff:
        notification = {
            "type": "SUPPORT_REPLY",
            "title": f"Support replied: {ticket.subject}"[:120],
            "body": message.content[:200],
            "data": {"ticketId": ticket_public_id(ticket), "ticketNumber": ticket.number},
        }
    _publish_to_parties(ticket, MESSAGE_CREATED, message_data(message), notification)


STATUS_TITLES = {
    TicketStatus.OPEN: "Your ticket was reopened",
    TicketStatus.IN_PROGRESS: "We are working on your ticket",
    TicketStatus.RESOLVED: "Your ticket was resolved",
    TicketStatus.CLOSED: "Your ticket was closed",
}


def publish_ticket_updated(ticket: Ticket, *, by_staff: bool) -> None:
    notification = None
    if by_staff:
        notification = {
            "type": "SUPPORT_TICKET_STATUS",
            "title": STATUS_TITLES[TicketStatus(ticket.status)],
            "body": f"{ticket.number}: {ticket.subject}"[:200],
            "data": {
                "ticketId": ticket_public_id(ticket),
                "ticketNumber": ticket.number,
                "status": ticket.status,
            },
        }
    _publish_to_parties(ticket, TICKET_UPDATED, ticket_data(ticket), notification)


def _publish_to_parties(
    ticket: Ticket, name: str, data: dict[str, Any], notification: dict[str, Any] | None
) -> None:
    """One event to each party of the ticket (its owner, and a dispute's other party)."""
    for user_id in _parties(ticket):
        publish(
            name,
            storefront=ticket.storefront,
            user_id=user_id,
            data=data,
            notification=notification,
        )


def _parties(ticket: Ticket) -> list[int]:
    """Who is told of a ticket's messages and moves: its owner, and the other party of an
    escrow dispute (one event each)."""
    return [pk for pk in (ticket.user_id, ticket.counterparty_id) if pk is not None]
