"""The only place wallet rows are locked (FOR UPDATE), always in primary-key order."""

from __future__ import annotations

from collections.abc import Iterable

from .models import Account, PaymentAttempt, SandboxPayment, Withdrawal


def accounts_lock(account_ids: Iterable[int]) -> dict[int, Account]:
    """The accounts, locked until commit in primary-key order (two movements between the
    same wallets always lock them in the same order: no deadlock)."""
    ids = sorted(set(account_ids))
    rows = Account.objects.filter(pk__in=ids).order_by("pk").select_for_update(of=("self",))
    return {account.pk: account for account in rows}


def payment_attempt_lock(reference: str) -> PaymentAttempt | None:
    """The attempt behind `reference`, locked until commit: whoever holds it settles it."""
    return PaymentAttempt.objects.select_for_update().filter(reference=reference).first()


def sandbox_payment_lock(reference: str) -> SandboxPayment | None:
    return SandboxPayment.objects.select_for_update().filter(reference=reference).first()


def withdrawal_lock(withdrawal_id: int) -> Withdrawal:
    return Withdrawal.objects.select_for_update(of=("self",)).get(pk=withdrawal_id)
