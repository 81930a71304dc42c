from celery import shared_task

from .sandbox import sandbox_refund_pay_out
from .services import payments_reconcile_pending


@shared_task
def sandbox_refund_settle(provider: str, reference: str, amount_minor: int, currency: str) -> str:
    """A refund request reaching the sandbox: it pays it out and sends its signed callback."""
    return sandbox_refund_pay_out(
        provider=provider, reference=reference, amount_minor=amount_minor, currency=currency
    ).decision


@shared_task(ignore_result=True)
def payments_reconcile() -> dict[str, int]:
    """Settle payments and refunds whose callback or refund task was lost (beat)."""
    return dict(payments_reconcile_pending())
