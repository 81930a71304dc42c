from celery import shared_task

from .numbers import number_sequences_ahead
from .services.payment import order_payment_open, orders_payments_open_missed
from .services.status import orders_expire_unpaid as _expire


@shared_task
def orders_expire_unpaid() -> int:
    """Cancel unpaid orders past their time, giving their stock back."""
    return _expire()


@shared_task
def orders_number_sequences_ahead() -> int:
    """This year's and next year's order number sequences, before any checkout needs them."""
    return number_sequences_ahead()


@shared_task
def order_payment_open_task(order_id: int) -> bool:
    """Open a placed order's provider payment (`orders.services.payment`)."""
    return order_payment_open(order_id=order_id)


@shared_task
def orders_payments_open_missed_task() -> int:
    """Queue again the payments whose task was lost."""
    return orders_payments_open_missed()
