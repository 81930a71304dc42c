from celery import shared_task

from .services.status import orders_expire_unpaid as _expire


@shared_task
def orders_expire_unpaid() -> int:
    """Cancel unpaid orders past their time, giving their stock back."""
    return _expire()
