from celery.schedules import crontab

from core.beat import job

BEAT = {
    "orders-expire-unpaid": job("orders.tasks.orders_expire_unpaid", crontab(minute="*/5")),
    "orders-payments-open-missed": job("orders.tasks.orders_payments_open_missed_task", 60),
    "orders-number-sequences-ahead": job(
        "orders.tasks.orders_number_sequences_ahead", crontab(minute=17, hour=3)
    ),
}
