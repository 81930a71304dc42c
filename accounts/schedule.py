from celery.schedules import crontab

BEAT = {
    "prune-expired-otps": {
        "task": "accounts.tasks.otp_prune",
        "schedule": crontab(minute=41, hour="*/6"),
    },
    "prune-sign-in-logs": {
        "task": "accounts.tasks.sign_in_logs_prune",
        "schedule": crontab(minute=17, hour=3),
    },
}
