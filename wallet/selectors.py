"""Reads of the wallet: balances and statements, straight from the ledger."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Account, Entry, PaymentAttempt


def payment_page_url(reference: str) -> str:
    """The provider's page of the payment `reference`; empty while it is being opened."""
    url = PaymentAttempt.objects.filter(reference=reference).values_list("payment_url", flat=True)
    return url.first() or ""


def wallet_get(*, user, currency: str) -> Account | None:
    return Account.objects.filter(user=user, currency=currency).first()


def wallet_entries(*, account: Account, direction: str | None = None) -> QuerySet[Entry]:
    """The wallet's statement, newest first: `credit` (money in) or `debit` (money out)
    only, when asked."""
    entries = Entry.objects.filter(account=account).select_related("transaction")
    if direction == "credit":
        entries = entries.filter(amount_minor__gt=0)
    elif direction == "debit":
        entries = entries.filter(amount_minor__lt=0)
    return entries.order_by("-id")


def btc_recent_activity(*, account: Account, limit: int = 20) -> tuple[list[Entry], list]:
    """A BTC wallet's latest ledger entries (newest first) with the withdrawals they belong
    to, and the deposits seen on the chain but not yet confirmed enough to be credited."""
    from .models import Deposit, Withdrawal

    entries = list(wallet_entries(account=account)[:limit])
    withdrawal_uids = [
        e.transaction.reference.removeprefix("wd_")
        for e in entries
        if e.transaction.reference.startswith("wd_")
    ]
    withdrawals = {w.uid: w for w in Withdrawal.objects.filter(uid__in=withdrawal_uids)}
    for entry in entries:
        entry.withdrawal = withdrawals.get(entry.transaction.reference.removeprefix("wd_"))
    pending = list(
        Deposit.objects.filter(account=account, status=Deposit.Status.PENDING).order_by(
            "-first_seen_at", "-id"
        )[:limit]
    )
    return entries, pending
