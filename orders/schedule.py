from celery.schedules import crontab

BEAT = {
    "orders-expire-unpaid": {
        "task": "orders.tasks.orders_expire_unpaid",
        "schedule": crontab(minute="*/5"),
    },
    "orders-number-sequences-ahead": {
        "task": "orders.tasks.orders_number_sequences_ahead",
        "schedule": crontab(minute=17, hour=3),
    },
}
