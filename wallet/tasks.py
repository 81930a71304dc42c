import logging

from celery import shared_task

from .sandbox import sandbox_refund_pay_out
from .services import ledger_audit, payments_reconcile_pending

logger = logging.getLogger(__name__)


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


@shared_task(ignore_result=True)
def ledger_audit_daily() -> bool:
    """Check the ledger (beat, daily). A discrepancy is logged as an error with the report;
    the failed `LedgerAudit` run is also shown at the top of the admin index."""
    report = ledger_audit()
    if not report.ok:
        logger.error("Ledger audit found a discrepancy\n%s", report.text())
    return report.ok
