"""`publish()`: the one way a service announces a change (BRIEF decision 9).

Call it inside the service's transaction. The event row commits or rolls back with
the change; after commit the relay is scheduled (and Celery beat runs it every few
seconds anyway, so a broker outage only delays delivery). Nothing is sent from here.

What to put in `data` (the object as the storefront shows it; `notifications.mapping`
turns it into each subscriber's shape):

- `order.created`, `order.updated`: the storefront's order object, at least
  `id` (e.g. "order_789" / "ord_789") and `status` (as the storefront spells it, e.g.
  "CONFIRMED"). Optional `message`: the text for the Socket.IO `order:updated` event
  (else the notification's body, else "Your order is now <status>"); it is left out of
  the webhook's Order object.
- `escrow.created|updated|released|disputed`: the escrow object, at least `id`
  ("escrow_202") and `status` ("RELEASED"); optional `message` as for orders.
- `support.ticket_created`: the ticket object (`id`, `subject`, `status`, ...). No
  Socket.IO event; webhooks only (and the notification, if given).
- `support.message_created`: `{"ticketId": "ticket_606", "message": {"id", "content",
  "isStaff", "user": {"username", "avatar"}, "createdAt"}}`. Socket.IO sends it as
  `support:new_message`; the webhook's data is the message object (with `ticketId`).
- any other name (e.g. `wallet.*`): no real-time or webhook mapping; only the in-app
  notification and push, when `notification` is given.

`user_id` is the person to tell (their sockets, devices and webhooks receive it);
publish one event per person. `notification`, when given, becomes an in-app
notification (Techaven `GET /notifications`, CryptoShop `notification` event, mobile
push): `{"type": "order_update", "title": "Order Shipped", "body": "...",
"data": {"order_id": "ord_789"}}`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from notifications.models import OutboxEvent

logger = logging.getLogger(__name__)


def publish(
    name: str,
    *,
    storefront: str,
    user_id: int | None,
    data: dict[str, Any],
    notification: dict[str, Any] | None = None,
) -> OutboxEvent:
    """Record event `name` for `user_id` (the person to tell) with its JSON `data` snapshot.

    `data` is the object as the storefront's real-time and webhook payloads show it
    (see the module docstring for the keys each event needs). `notification`, when
    given, becomes an in-app notification: {"type", "title", "body", "data"}.
    """
    event = OutboxEvent.objects.create(
        storefront=storefront, name=name, user_id=user_id, data=data, notification=notification
    )
    transaction.on_commit(_schedule_relay)
    return event


def _schedule_relay() -> None:
    from notifications.tasks import outbox_relay

    try:
        outbox_relay.delay()
    except Exception:  # broker down: beat's periodic relay picks it up
        logger.warning("outbox relay not scheduled; beat will pick it up", exc_info=True)
