"""Reads of the wallet: balances and statements, straight from the ledger."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Account, Entry


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
