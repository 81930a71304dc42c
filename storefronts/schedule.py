from celery.schedules import crontab

from core.beat import job

BEAT = {
    "prune-idempotency-records": job("storefronts.tasks.idempotency_prune", crontab(minute=17)),
}
