from celery.schedules import crontab

from core.beat import job

BEAT = {
    # the safety net of the outbox: events whose after-commit relay was lost get delivered
    "outbox-relay": job("notifications.tasks.outbox_relay", 5.0),
    "webhook-deliveries-sweep": job("notifications.tasks.webhook_deliveries_sweep", 60.0),
    "outbox-prune": job("notifications.tasks.outbox_prune", crontab(minute=41)),
    "webhook-log-prune": job("notifications.tasks.webhook_log_prune", crontab(minute=43)),
}
