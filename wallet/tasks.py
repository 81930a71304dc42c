import logging

from celery import shared_task

from .paychangu import PayChanguProvider
from .rates import RateUnavailable, btc_eur_rate_refresh
from .sandbox import sandbox_refund_pay_out
from .services import ledger_audit, payments_reconcile_pending, topups_expire
from .services.btc import deposits_scan

logger = logging.getLogger(__name__)


@shared_task
def sandbox_refund_settle(provider: str, reference: str, amount_minor: int, currency: str) -> str:
    """A refund request reaching the sandbox: it pays it out and sends its signed callback."""
    return sandbox_refund_pay_out(
        provider=provider, reference=reference, amount_minor=amount_minor, currency=currency
    ).decision


@shared_task(ignore_result=True)
def paychangu_payout_send(
    provider: str, reference: str, amount_minor: int, currency: str, phone: str
) -> None:
    """A refund request reaching PayChangu: a mobile-money payout to the payer's number."""
    PayChanguProvider(provider).payout_send(
        reference=reference, amount_minor=amount_minor, currency=currency, phone=phone
    )


@shared_task(ignore_result=True)
def payments_reconcile() -> dict[str, int]:
    """Settle payments and refunds whose callback or refund task was lost (beat)."""
    return dict(payments_reconcile_pending())


@shared_task(ignore_result=True)
def btc_rate_refresh() -> str | None:
    """Ask the rate source and cache the BTC→EUR rate (beat). A source that fails is logged;
    readers keep the last known rate meanwhile."""
    try:
        return str(btc_eur_rate_refresh())
    except RateUnavailable as exc:
        logger.warning("BTC→EUR rate not refreshed: %s", exc)
        return None


@shared_task(ignore_result=True)
def wallet_topups_expire() -> int:
    """Expire top-ups nobody approved in time, after asking their provider (beat)."""
    return topups_expire()


@shared_task(ignore_result=True)
def btc_deposits_scan() -> dict[str, int]:
    """Credit deposits to CryptoShop wallets once confirmed (beat; at once after a sandbox
    block)."""
    return dict(deposits_scan())


@shared_task(ignore_result=True)
def ledger_audit_daily() -> bool:
    """Check the ledger (beat, daily). A discrepancy is logged as an error with the report;
    the failed `LedgerAudit` run is also shown at the top of the admin index."""
    report = ledger_audit()
    if not report.ok:
        logger.error("Ledger audit found a discrepancy\n%s", report.text())
    return report.ok
