from celery.schedules import crontab

BEAT = {
    # the safety net of the outbox: events whose after-commit relay was lost get delivered
    "outbox-relay": {"task": "notifications.tasks.outbox_relay", "schedule": 5.0},
    "webhook-deliveries-sweep": {
        "task": "notifications.tasks.webhook_deliveries_sweep",
        "schedule": 60.0,
    },
    "outbox-prune": {"task": "notifications.tasks.outbox_prune", "schedule": crontab(minute=41)},
    "webhook-log-prune": {
        "task": "notifications.tasks.webhook_log_prune",
        "schedule": crontab(minute=43),
    },
}
