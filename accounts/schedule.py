from celery.schedules import crontab

BEAT = {
    "prune-expired-otps": {
        "task": "accounts.tasks.otp_prune",
        "schedule": crontab(minute=41, hour="*/6"),
    },
}
