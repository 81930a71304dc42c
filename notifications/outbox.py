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

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from redis.exceptions import LockError, RedisError

from core.cache import first_mark, mark_drop, shared_redis, shared_redis_key
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
    transaction.on_commit(relay_schedule)
    return event


# --- relays take turns ----------------------------------------------------------------
# Relays side by side are correct (each claims its event with SKIP LOCKED) but wasteful:
# with a relay queued after every commit and a worker of 16 threads, up to 16 relays ran
# over the same pending events, each trying to claim each one in turn. With Redis, relays
# take turns instead: a commit queues a relay only when none is already waiting for its
# turn, and the waiting one forgets that mark only once its turn has come, before it reads
# what is pending, so an event committed at any moment is seen by the running relay or by
# the waiting one. However many commits there are, one relay runs and one waits (beside
# beat's). The turn is a lock that only orders relays: one that expires (a relay died, or
# ran longer) or that a relay waited 5 s for lets the next start early, side by side,
# which is still correct. Beat's relay every few seconds is the net under a lost task or a
# lost mark (docs/decisions.md, "Relays take turns").
RELAY_WAITING_SECONDS = 60  # a mark whose task was lost stops holding back others after this
RELAY_TURN_SECONDS = 60  # the turn's lock expires after this
RELAY_WAIT_FOR_TURN_SECONDS = 5  # beat's period: one that waited so long runs beside the other


RELAY_WAITING = "outbox:relay:waiting"  # the mark: a relay is queued and has not started


def relay_schedule(*, countdown: float = 0) -> None:
    """Queue a relay (to start `countdown` seconds from now), unless one is queued and has not
    started (it will see what is pending)."""
    from notifications.tasks import outbox_relay

    if countdown and outbox_relay.app.conf.task_always_eager:
        # tasks run inline (the tests, no broker): each commit relays at once, and this
        # relay would run nested in the one asking for it
        return
    if not first_mark(RELAY_WAITING, RELAY_WAITING_SECONDS):
        return
    try:
        if countdown:
            outbox_relay.apply_async(countdown=countdown)
        else:
            outbox_relay.delay()
    except Exception:  # broker down: beat's periodic relay picks it up
        logger.warning("outbox relay not scheduled; beat will pick it up", exc_info=True)
        mark_drop(RELAY_WAITING)


@contextlib.contextmanager
def relay_turn() -> Iterator[None]:
    """Wait for this relay's turn (at most `RELAY_WAIT_FOR_TURN_SECONDS`), then let the next
    commit queue another relay, and hold the turn until the block ends. Without Redis, or
    while it does not answer, there are no turns."""
    client = shared_redis()
    turn = None
    if client is not None:
        try:
            turn = client.lock(
                shared_redis_key("outbox:relay:turn"),
                timeout=RELAY_TURN_SECONDS,
                blocking_timeout=RELAY_WAIT_FOR_TURN_SECONDS,
            )
            if not turn.acquire():
                turn = None  # waited long enough: run beside the relay that has it
        except RedisError:
            logger.warning("outbox relay: Redis not answering, relaying without turns")
            turn = None
    mark_drop(RELAY_WAITING)
    try:
        yield
    finally:
        if turn is not None:
            with contextlib.suppress(RedisError, LockError):  # expired: the next one runs
                turn.release()
