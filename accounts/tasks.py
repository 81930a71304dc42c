from celery import shared_task

from accounts.services import otp


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def otp_send(otp_id: int) -> bool:
    """E-mail a one-time code (SMTP errors are OSErrors: retried with backoff)."""
    return otp.otp_deliver(otp_id=otp_id)


@shared_task
def otp_prune() -> int:
    return otp.otp_prune()
