from celery import shared_task

from .numbers import number_sequences_ahead
from .services.status import orders_expire_unpaid as _expire


@shared_task
def orders_expire_unpaid() -> int:
    """Cancel unpaid orders past their time, giving their stock back."""
    return _expire()


@shared_task
def orders_number_sequences_ahead() -> int:
    """This year's and next year's order number sequences, before any checkout needs them."""
    return number_sequences_ahead()
