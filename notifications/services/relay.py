"""The outbox relay: every pending event reaches every subscriber, once, in order per user.

Each event is handled in its own transaction holding its row lock (SKIP LOCKED, so
relays running side by side share the work). Every fan-out step that succeeds is
recorded (`EventDelivery`, unique per event and subscriber; the notification row is
unique per event; `WebhookDelivery` unique per endpoint and event), so a relay that runs
again after a failure or a crash skips what was done: each subscriber gets the event
once, at least once (a crash between a push and its record may repeat that one push).
An event is not delivered while an earlier event of the same user is still pending,
which keeps each user's events in order. A failing event is retried with backoff and,
after `OUTBOX_MAX_ATTEMPTS`, set aside as failed (still pending for nobody, kept for
staff, who can retry it in the admin).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from notifications import conf, locks, mapping, outbox, push, realtime
from notifications.models import (
    EventDelivery,
    Notification,
    OutboxEvent,
    PushDevice,
    WebhookDelivery,
    WebhookEndpoint,
)

logger = logging.getLogger(__name__)


class Outcome(enum.Enum):
    """What became of one pending event in a relay run."""

    DELIVERED = enum.auto()
    FAILED = enum.auto()  # its fan-out failed: retried after its backoff
    WAITS = enum.auto()  # an earlier event of its user waits for its own retry
    HELD = enum.auto()  # another relay holds it, or an earlier event of its user, right now


def outbox_relay_run(*, batch_size: int = 200, max_batches: int = 10) -> int:
    """Deliver what is pending and due, oldest first, a batch at a time while batches come
    full (a backlog drains at the relay's pace, not a batch per beat); returns how many
    events were delivered. Each batch starts after the previous one's last event, so events
    held back behind a user's earlier pending one do not keep others' from their turn.

    What another relay held (and the same user's events after it) is looked at again by a
    relay queued for a second later: the commits that would have queued one may all have
    come already."""
    push.prepare()  # a push credential that needs a call to Google, before any row is locked
    blocked: set[int] = set()  # users whose pending event a later one of theirs must wait for
    delivered, after_id, held = 0, 0, False
    for _ in range(max_batches):
        now = timezone.now()
        candidates = list(
            OutboxEvent.objects.filter(
                id__gt=after_id, delivered_at__isnull=True, failed_at__isnull=True
            )
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("id")
            .values_list("id", "user_id")[:batch_size]
        )
        for event_id, user_id in candidates:
            if user_id is not None and user_id in blocked:
                continue
            outcome = _relay_one(event_id)
            if outcome is Outcome.DELIVERED:
                delivered += 1
                continue
            held = held or outcome is Outcome.HELD
            if user_id is not None:
                blocked.add(user_id)
        if len(candidates) < batch_size:
            break
        after_id = candidates[-1][0]
    if held:
        outbox.relay_schedule(countdown=HELD_LOOK_AGAIN_SECONDS)
    return delivered


HELD_LOOK_AGAIN_SECONDS = 1.0


def _relay_one(event_id: int) -> Outcome:
    with transaction.atomic():
        event = locks.outbox_event_claim(event_id)
        if event is None:
            return Outcome.HELD  # another relay has it, or it was delivered meanwhile
        now = timezone.now()
        if event.user_id is not None:
            earlier = OutboxEvent.objects.filter(
                user_id=event.user_id,
                id__lt=event.id,
                delivered_at__isnull=True,
                failed_at__isnull=True,
            )
            if earlier.exists():
                due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
                return Outcome.HELD if earlier.filter(due).exists() else Outcome.WAITS
        # nothing was done for an event never tried before (an attempt that fails commits
        # its error with the steps it finished; staff's retry resets the count, not that)
        first = event.attempts == 0 and not event.last_error
        event.attempts += 1
        try:
            _fan_out(event, first=first)
        except Exception as exc:  # any subscriber failing means "retry later"
            logger.warning(
                "event %s fan-out failed (attempt %s)", event.pk, event.attempts, exc_info=True
            )
            event.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            event.next_attempt_at = now + conf.outbox_retry_delay(event.attempts)
            if event.attempts >= conf.outbox_max_attempts():
                event.failed_at = now
            event.save(update_fields=["attempts", "last_error", "next_attempt_at", "failed_at"])
            return Outcome.FAILED
        event.delivered_at = now
        event.last_error = ""
        event.save(update_fields=["attempts", "delivered_at", "last_error"])
        return Outcome.DELIVERED


def _step(event: OutboxEvent, subscriber: str, action: Callable[[], None], *, first: bool) -> None:
    """Run one fan-out step unless it was done before (an earlier attempt's, when this is
    not the first: each attempt commits what it did); record it in the same savepoint."""
    if not first and EventDelivery.objects.filter(event=event, subscriber=subscriber).exists():
        return
    with transaction.atomic():
        action()
        EventDelivery.objects.create(event=event, subscriber=subscriber)


def _fan_out(event: OutboxEvent, *, first: bool) -> None:
    notification = _notification_for(event, first=first)
    if event.user_id is None:
        return
    messages = mapping.realtime_messages(event, notification)
    if messages:
        _step(
            event, "realtime", partial(realtime.push_to_user, event.user_id, messages), first=first
        )
    endpoints = _webhook_endpoints(event)
    if endpoints:  # a step (and its record) only for someone to send to
        _step(event, "webhooks", partial(_webhooks_fan_out, event, endpoints), first=first)
    if notification is not None:
        message = push.PushMessage(
            title=notification.title,
            body=notification.body,
            data={**notification.data, "notification_id": mapping.notification_id(notification)},
        )
        for device in PushDevice.objects.filter(user_id=event.user_id).order_by("pk"):
            _step(event, f"push:{device.pk}", partial(_push, device, message), first=first)


def _notification_for(event: OutboxEvent, *, first: bool) -> Notification | None:
    """The event's in-app notification (one per event): made on the first attempt, found
    again on a later one, which an earlier attempt's commit may have made it in."""
    spec = event.notification
    if not spec or event.user_id is None:
        return None
    fields = {
        "user_id": event.user_id,
        "type": str(spec.get("type") or event.name),
        "title": str(spec.get("title") or "")[:200],
        "body": str(spec.get("body") or spec.get("message") or ""),
        "data": spec.get("data") or {},
        "created_at": event.created_at,
    }
    if first:  # the event's row lock is held: nobody else makes it meanwhile
        return Notification.objects.create(event=event, **fields)
    with transaction.atomic():
        notification, _ = Notification.objects.get_or_create(event=event, defaults=fields)
    return notification


def _webhook_endpoints(event: OutboxEvent) -> list[WebhookEndpoint]:
    """The user's active endpoints subscribed to the event's name."""
    if event.name not in mapping.WEBHOOK_EVENTS:
        return []
    return [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(user_id=event.user_id, is_active=True)
        if event.name in endpoint.events
    ]


def _webhooks_fan_out(event: OutboxEvent, endpoints: list[WebhookEndpoint]) -> None:
    """One delivery-log row per subscribed endpoint; each is sent by its own Celery task."""
    from notifications import webhooks
    from notifications.services.webhooks import schedule_delivery

    body = webhooks.build_body(event.name, mapping.webhook_data(event), event.created_at)
    for endpoint in endpoints:
        delivery, created = WebhookDelivery.objects.get_or_create(
            endpoint=endpoint, event=event, defaults={"event_name": event.name, "body": body}
        )
        if created:
            transaction.on_commit(partial(schedule_delivery, delivery.pk, 0))


def _push(device: PushDevice, message: push.PushMessage) -> None:
    result = push.sender().send(device.token, message)
    if result == push.PushResult.UNREGISTERED:
        logger.info("push token of device %s is unregistered; removing it", device.pk)
        PushDevice.objects.filter(pk=device.pk, token=device.token).delete()


@transaction.atomic
def event_retry(*, event_ids: list[int]) -> int:
    """Staff: put failed or waiting events back in the queue now."""
    return OutboxEvent.objects.filter(pk__in=event_ids, delivered_at__isnull=True).update(
        failed_at=None, next_attempt_at=None, attempts=0
    )


def outbox_prune() -> int:
    """Delete events delivered longer ago than `OUTBOX_RETENTION_DAYS` (default 7)."""
    cutoff = timezone.now() - conf.outbox_retention()
    _, per_model = OutboxEvent.objects.filter(delivered_at__lt=cutoff).delete()
    return per_model.get(OutboxEvent._meta.label, 0)
