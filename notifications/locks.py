"""The only place the events layer locks rows."""

from __future__ import annotations

from notifications.models import OutboxEvent, WebhookDelivery


def outbox_event_claim(event_id: int) -> OutboxEvent | None:
    """Lock a pending event, or None when another relay holds it (SKIP LOCKED on PostgreSQL)."""
    return (
        OutboxEvent.objects.select_for_update(skip_locked=True)
        .filter(pk=event_id, delivered_at__isnull=True, failed_at__isnull=True)
        .first()
    )


def webhook_delivery_claim(delivery_id: int) -> WebhookDelivery | None:
    return (
        WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("endpoint")
        .filter(pk=delivery_id)
        .first()
    )
