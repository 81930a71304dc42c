from celery.schedules import crontab

BEAT = {
    "orders-expire-unpaid": {
        "task": "orders.tasks.orders_expire_unpaid",
        "schedule": crontab(minute="*/5"),
    },
}
