"""The only place wallet rows are locked (FOR UPDATE), always in primary-key order."""

from __future__ import annotations

from collections.abc import Iterable

from .models import Account, PaymentAttempt, SandboxChainTip, SandboxPayment, Withdrawal


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


# --- the sandbox chain ---------------------------------------------------------------------


def sandbox_chain_tip_lock() -> SandboxChainTip:
    """The sandbox chain's tip row, created at height 0 on first use, locked until commit:
    one miner at a time."""
    SandboxChainTip.objects.get_or_create(pk=SandboxChainTip.SINGLETON)
    return SandboxChainTip.objects.select_for_update().get(pk=SandboxChainTip.SINGLETON)
