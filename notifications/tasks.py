from celery import shared_task

from notifications import outbox, services


@shared_task(ignore_result=True)
def outbox_relay() -> int:
    """Fan pending events out; queued after commits (one waiting at a time) and by beat
    every few seconds. Relays take turns (`outbox.relay_turn`)."""
    with outbox.relay_turn():
        return services.outbox_relay_run()


@shared_task(ignore_result=True)
def outbox_prune() -> int:
    return services.outbox_prune()


@shared_task(ignore_result=True)
def webhook_log_prune() -> int:
    return services.webhook_log_prune()


@shared_task(ignore_result=True)
def webhook_deliver(delivery_id: int) -> None:
    services.webhook_delivery_attempt(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def webhook_deliveries_sweep() -> int:
    """Send deliveries whose retry is due but whose task was lost (broker outage)."""
    ids = services.webhook_deliveries_due()
    for delivery_id in ids:
        services.webhook_delivery_attempt(delivery_id=delivery_id)
    return len(ids)
