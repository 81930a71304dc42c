from celery.schedules import crontab

from core.beat import job

BEAT = {
    "prune-expired-otps": job("accounts.tasks.otp_prune", crontab(minute=41, hour="*/6")),
    "prune-sign-in-logs": job("accounts.tasks.sign_in_logs_prune", crontab(minute=17, hour=3)),
}
