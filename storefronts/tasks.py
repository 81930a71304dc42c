from celery import shared_task

from . import idempotency


@shared_task
def idempotency_prune() -> int:
    return idempotency.prune()
