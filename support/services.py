"""Every write in support: tickets, the conversation, staff moves.

Top-level use cases are durable transactions; events are published inside them (BRIEF 9).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.errors import ErrorKind
from core.images import CleanImage, decode_base64_image
from support import conf, events
from support.errors import SupportError, SupportErrorCode, invalid, ticket_not_found
from support.locks import ticket_counter_lock, ticket_lock
from support.models import Attachment, Message, Ticket, TicketPriority, TicketStatus
from support.rules import status_move_allowed
from support.selectors import user_owns_order

SUBJECT_MAX = 200
CONTENT_MAX = 5000
CATEGORY_MAX = 50
DEFAULT_CATEGORY = "General"

_UNSET = object()


def _clean_text(value: object, *, field: str, max_length: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise invalid(field, f"{field} is required.")
    if len(text) > max_length:
        raise invalid(field, f"{field} must be at most {max_length} characters.")
    return text


def ticket_number_next(*, storefront: str, year: int) -> str:
    """`SUP-YYYY-NNNN`: the (storefront, year) counter row is locked until the caller's
    transaction ends, so concurrent creators queue and a rolled-back ticket frees its number."""
    counter = ticket_counter_lock(storefront=storefront, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"SUP-{year}-{counter.last:04d}"


def ticket_attachments_decode(values: Sequence[object], *, field: str) -> list[CleanImage]:
    """Base64 images checked by content and size (BRIEF 12), at most `max_attachments()`."""
    if len(values) > conf.max_attachments():
        raise SupportError(
            SupportErrorCode.TOO_MANY_ATTACHMENTS,
            f"At most {conf.max_attachments()} attachments are allowed.",
            field=field,
        )
    return [
        decode_base64_image(value, max_bytes=conf.attachment_max_bytes(), field=field)
        for value in values
    ]


def ticket_create(
    *,
    user: User,
    subject: str,
    content: str,
    category: str | None = None,
    priority: str | None = None,
    order_ref: str = "",
    attachments: Sequence[object] = (),
    counterparty: User | None = None,
) -> Ticket:
    """A storefront user opens a ticket; its content is the conversation's first message.
    `counterparty` (an escrow dispute's other party) sees it and writes on it too.

    Images are decoded and re-encoded before the transaction so the counter lock is short.
    """
    if user.storefront is None:
        raise SupportError(
            SupportErrorCode.NOT_STAFF, "Staff do not open tickets.", kind=ErrorKind.FORBIDDEN
        )
    subject = _clean_text(subject, field="subject", max_length=SUBJECT_MAX)
    content = _clean_text(content, field="content", max_length=CONTENT_MAX)
    category = (category or "").strip() or DEFAULT_CATEGORY
    if len(category) > CATEGORY_MAX:
        raise invalid("category", f"category must be at most {CATEGORY_MAX} characters.")
    priority = priority or TicketPriority.MEDIUM
    if priority not in TicketPriority.values:
        raise invalid("priority", f"priority must be one of {', '.join(TicketPriority.values)}.")
    order_ref = (order_ref or "").strip()
    if order_ref and not user_owns_order(user, order_ref):
        raise SupportError(SupportErrorCode.ORDER_NOT_FOUND, "Order not found.", field="order_id")
    images = ticket_attachments_decode(attachments, field="attachments")
    ticket = Ticket(
        storefront=user.storefront,
        user=user,
        subject=subject,
        content=content,
        category=category,
        priority=priority,
        order_ref=order_ref,
        counterparty=counterparty,
    )
    return _ticket_insert(ticket, images=images)


@transaction.atomic(durable=True)
def _ticket_insert(ticket: Ticket, *, images: list[CleanImage]) -> Ticket:
    """Number and save the checked, unsaved `ticket`, with its first message."""
    now = timezone.now()
    ticket.number = ticket_number_next(storefront=ticket.storefront, year=now.year)
    ticket.created_at = now
    ticket.save(force_insert=True)
    first = Message.objects.create(
        ticket=ticket, author=ticket.user, content=ticket.content, created_at=now
    )
    for image in images:
        Attachment.objects.create(
            message=first, image=image.file, width=image.width, height=image.height
        )
    events.publish_ticket_created(ticket)
    return ticket


@transaction.atomic(durable=True)
def ticket_message_add(*, ticket: Ticket, author: User, content: str) -> Message:
    """The ticket's owner (or the other party of an escrow dispute) writes. Writing on a
    RESOLVED ticket reopens it; CLOSED is final.

    `is_staff` is never taken from the client: a user's message is a user's message.
    """
    if author.pk not in (ticket.user_id, ticket.counterparty_id):
        raise ticket_not_found()
    content = _clean_text(content, field="content", max_length=CONTENT_MAX)
    ticket = ticket_lock(ticket.pk)
    if ticket.status == TicketStatus.CLOSED:
        raise SupportError(
            SupportErrorCode.TICKET_CLOSED,
            "This ticket is closed; please open a new one.",
            kind=ErrorKind.CONFLICT,
        )
    message = Message.objects.create(ticket=ticket, author=author, content=content)
    reopened = ticket.status == TicketStatus.RESOLVED
    if reopened:
        ticket.status = TicketStatus.OPEN
        ticket.resolved_at = None
    ticket.save(update_fields=["status", "resolved_at", "updated_at"])
    message.ticket = ticket
    events.publish_message_created(message)
    if reopened:
        events.publish_ticket_updated(ticket, by_staff=False)
    return message


def _require_staff(staff: User) -> None:
    if not (staff.is_active and staff.is_staff):
        raise SupportError(
            SupportErrorCode.NOT_STAFF, "Only support staff may do this.", kind=ErrorKind.FORBIDDEN
        )


def _reply(ticket: Ticket, staff: User, content: str) -> Message:
    content = _clean_text(content, field="reply", max_length=CONTENT_MAX)
    if ticket.status == TicketStatus.CLOSED:
        raise SupportError(
            SupportErrorCode.TICKET_CLOSED, "This ticket is closed.", kind=ErrorKind.CONFLICT
        )
    message = Message.objects.create(ticket=ticket, author=staff, content=content, is_staff=True)
    message.ticket = ticket
    ticket.save(update_fields=["updated_at"])
    events.publish_message_created(message)
    return message


def _set_status(ticket: Ticket, status: str) -> None:
    if status not in TicketStatus.values:
        raise invalid("status", f"status must be one of {', '.join(TicketStatus.values)}.")
    if status == ticket.status:
        return
    if not status_move_allowed(ticket.status, status):
        raise SupportError(
            SupportErrorCode.STATUS_MOVE_NOT_ALLOWED,
            f"A ticket cannot move from {ticket.status} to {status}.",
            field="status",
            kind=ErrorKind.CONFLICT,
        )
    if status == TicketStatus.RESOLVED:
        ticket.resolved_at = timezone.now()
    elif status in (TicketStatus.OPEN, TicketStatus.IN_PROGRESS):
        ticket.resolved_at = None
    ticket.status = status
    ticket.save(update_fields=["status", "resolved_at", "updated_at"])
    events.publish_ticket_updated(ticket, by_staff=True)


@transaction.atomic(durable=True)
def ticket_staff_update(
    *,
    ticket_id: int,
    staff: User,
    reply: str = "",
    status: str | None = None,
    priority: str | None = None,
    assigned_to: User | object | None = _UNSET,
) -> Ticket:
    """What an agent does on the ticket page, in one transaction: reply (a staff message,
    `isStaff: true`), then move status, re-prioritise, assign. Each move is checked."""
    _require_staff(staff)
    ticket = ticket_lock(ticket_id)
    if reply and reply.strip():
        _reply(ticket, staff, reply)
    if status is not None:
        _set_status(ticket, status)
    if priority is not None and priority != ticket.priority:
        if priority not in TicketPriority.values:
            raise invalid("priority", "Unknown priority.")
        ticket.priority = priority
        ticket.save(update_fields=["priority", "updated_at"])
    if assigned_to is not _UNSET and assigned_to != ticket.assigned_to:
        if assigned_to is not None:
            _require_staff(assigned_to)  # type: ignore[arg-type]
        ticket.assigned_to = assigned_to  # type: ignore[assignment]
        ticket.save(update_fields=["assigned_to", "updated_at"])
    return ticket


def ticket_reply(*, ticket_id: int, staff: User, content: str) -> Message:
    """A staff reply on its own (admin API, tests)."""
    if not (content or "").strip():
        raise invalid("reply", "reply is required.")
    ticket = ticket_staff_update(ticket_id=ticket_id, staff=staff, reply=content)
    return ticket.messages.order_by("-created_at", "-id").first()


def ticket_status_set(*, ticket_id: int, staff: User, status: str) -> Ticket:
    return ticket_staff_update(ticket_id=ticket_id, staff=staff, status=status)


def ticket_assign(*, ticket_id: int, staff: User, assignee: User | None) -> Ticket:
    return ticket_staff_update(ticket_id=ticket_id, staff=staff, assigned_to=assignee)


@transaction.atomic
def ticket_settle(*, ticket_id: int, message: str, staff: User | None = None) -> Ticket:
    """What the ticket was about was settled elsewhere (an escrow dispute resolved): staff's
    message to the parties, then the ticket is closed — inside the caller's transaction."""
    ticket = ticket_lock(ticket_id)
    if ticket.status == TicketStatus.CLOSED:
        return ticket
    if staff is not None:
        _require_staff(staff)
        _reply(ticket, staff, message)
    _set_status(ticket, TicketStatus.CLOSED)
    return ticket
