"""Webhook endpoints (CryptoShop "Webhooks") and their deliveries.

A delivery is attempted by a Celery task; it is claimed under its row lock and leased
(its `next_attempt_at` pushed past the timeout) before the HTTP call, so the task and
the beat job that sweeps up overdue deliveries (after a broker outage) never send it
twice at once. A failed attempt is retried after 30 s, 1 min, 2 min, ... up to 6 h
between tries, 13 retries in all (about a day), then marked failed; staff can redeliver.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.errors import NotFound
from notifications import conf, locks, mapping, webhooks
from notifications.errors import NotificationError, NotificationErrorCode, too_many_webhooks
from notifications.models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)


def normalise_events(events: list[str]) -> list[str]:
    """Documented names (and the document's `support.message` alias), deduplicated, in order."""
    out: list[str] = []
    for name in events:
        name = mapping.WEBHOOK_EVENT_ALIASES.get(name, name)
        if name not in mapping.WEBHOOK_EVENTS:
            raise NotificationError(
                NotificationErrorCode.UNSAFE_WEBHOOK_URL,  # VALIDATION_ERROR
                f"Unknown webhook event: {name}",
                field="events",
                details={"events": [f"Unknown webhook event: {name}"]},
            )
        if name not in out:
            out.append(name)
    return out


@transaction.atomic(durable=True)
def webhook_endpoint_create(
    *, user: User, url: str, events: list[str], secret: str
) -> WebhookEndpoint:
    """Register a webhook; its URL must not reach a private address (unless allowed)."""
    names = normalise_events(events)
    webhooks.check_url(url)
    User.objects.select_for_update().filter(pk=user.pk).first()  # count and insert as one
    if WebhookEndpoint.objects.filter(user=user).count() >= conf.webhooks_per_user():
        raise too_many_webhooks(conf.webhooks_per_user())
    return WebhookEndpoint.objects.create(user=user, url=url, events=names, secret=secret)


@transaction.atomic(durable=True)
def webhook_endpoint_delete(*, user: User, uid: str) -> None:
    deleted, _ = WebhookEndpoint.objects.filter(user=user, uid=uid).delete()
    if not deleted:
        raise NotFound("Webhook")


def schedule_delivery(delivery_id: int, countdown: int) -> None:
    from notifications.tasks import webhook_deliver

    try:
        if countdown:
            webhook_deliver.apply_async(args=[delivery_id], countdown=countdown)
        else:
            webhook_deliver.delay(delivery_id)
    except Exception:  # broker down: the beat sweep sends it when due
        logger.warning(
            "webhook delivery %s not scheduled; beat will send it", delivery_id, exc_info=True
        )


def _lease() -> timedelta:
    return timedelta(seconds=conf.webhook_timeout() + 60)


def webhook_delivery_attempt(*, delivery_id: int) -> WebhookDelivery | None:
    """Send one due delivery once; on failure schedule the next try with a longer delay."""
    with transaction.atomic():
        delivery = locks.webhook_delivery_claim(delivery_id)
        now = timezone.now()
        if (
            delivery is None
            or delivery.status != WebhookDelivery.Status.PENDING
            or delivery.next_attempt_at > now
        ):
            return None  # not due, done, or being sent by someone else right now
        delivery.attempts += 1
        delivery.next_attempt_at = now + _lease()
        delivery.save(update_fields=["attempts", "next_attempt_at"])
        endpoint = delivery.endpoint

    outcome = webhooks.post(endpoint.url, delivery.body, endpoint.secret)

    with transaction.atomic():
        delivery = locks.webhook_delivery_claim(delivery_id) or delivery
        now = timezone.now()
        delivery.response_code = outcome.status_code
        delivery.last_error = outcome.error
        fields = ["response_code", "last_error", "status", "next_attempt_at", "delivered_at"]
        if outcome.ok:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = now
        else:
            delays = conf.webhook_retry_delays()
            retry = delivery.attempts - 1
            if retry < len(delays):
                delivery.next_attempt_at = now + timedelta(seconds=delays[retry])
                transaction.on_commit(
                    lambda: schedule_delivery(delivery.pk, delays[retry]), robust=True
                )
            else:
                delivery.status = WebhookDelivery.Status.FAILED
        delivery.save(update_fields=fields)
    return delivery


def webhook_deliveries_due(*, limit: int = 500) -> list[int]:
    """Ids of pending deliveries whose time has come (the beat sweep sends them)."""
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


@transaction.atomic
def webhook_delivery_redeliver(*, delivery_ids: list[int]) -> int:
    """Staff: send these again now, with a fresh round of retries."""
    ids = list(WebhookDelivery.objects.filter(pk__in=delivery_ids).values_list("pk", flat=True))
    WebhookDelivery.objects.filter(pk__in=ids).update(
        status=WebhookDelivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    for pk in ids:
        transaction.on_commit(lambda pk=pk: schedule_delivery(pk, 0), robust=True)
    return len(ids)


def webhook_log_prune() -> int:
    """Delete delivered and given-up deliveries older than `WEBHOOK_LOG_RETENTION_DAYS`
    (default 30): a month for a seller's support request or staff's "Redeliver". Pending
    ones stay whatever their age (their retries end within a day)."""
    cutoff = timezone.now() - conf.webhook_log_retention()
    _, per_model = (
        WebhookDelivery.objects.filter(created_at__lt=cutoff)
        .exclude(status=WebhookDelivery.Status.PENDING)
        .delete()
    )
    return per_model.get(WebhookDelivery._meta.label, 0)
