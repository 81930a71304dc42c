from celery import shared_task
from django.conf import settings

from accounts.services import otp


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def otp_send(otp_id: int) -> bool:
    """E-mail a one-time code (SMTP errors are OSErrors: retried with backoff)."""
    return otp.otp_deliver(otp_id=otp_id)


@shared_task
def otp_prune() -> int:
    return otp.otp_prune()


@shared_task
def sign_in_logs_prune() -> int:
    """Forget the admin's and back office's sign-in records (axes' access logs and access
    failure logs) older than `LOGIN_LOG_RETENTION_DAYS`; attempts inside a cool-off stay."""
    from axes.handlers.proxy import AxesProxyHandler

    days = settings.LOGIN_LOG_RETENTION_DAYS
    return AxesProxyHandler.reset_logs(age_days=days) + AxesProxyHandler.reset_failure_logs(
        age_days=days
    )
