from celery.schedules import crontab

BEAT = {
    "prune-idempotency-records": {
        "task": "storefronts.tasks.idempotency_prune",
        "schedule": crontab(minute=17),
    },
}
