"""The double-entry ledger (BRIEF decision 7): the one way money moves.

Every movement is a `LedgerTransaction` with two or more entries that sum to zero per
currency. The accounts it touches are locked in primary-key order, their cached balances
checked (a wallet never goes below zero) and written in the same transaction as the
entries, each entry recording the balance right after it. A movement's idempotency `key`
(`topup:<ref>`, `order-pay:<order>`, `deposit:<txid>:<vout>`, …) makes it happen once: a
second post with the key returns the first transaction and moves nothing.

No outside service is called from here, so these locks are held for a few statements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.money import Currency

from ..errors import InsufficientFunds, WalletError, WalletErrorCode
from ..locks import accounts_lock
from ..models import Account, Entry, LedgerTransaction


@dataclass(frozen=True, slots=True)
class Leg:
    """Money into (+) or out of (-) one account."""

    account: Account
    amount_minor: int


def transfer(source: Account, target: Account, amount_minor: int) -> list[Leg]:
    """`amount_minor` out of `source` into `target`: the two legs, the source's first."""
    return [Leg(source, -amount_minor), Leg(target, amount_minor)]


@dataclass(frozen=True, slots=True)
class Posting:
    transaction: LedgerTransaction
    created: bool  # False: the key had been posted before, nothing moved now


def system_account(kind: Account.Kind, currency: Currency | str) -> Account:
    """The platform's account of `kind` in `currency`, created on first use."""
    account = Account.objects.filter(kind=kind, currency=currency, user__isnull=True).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():  # savepoint: a racing creator wins, we then read its row
            return Account.objects.create(kind=kind, currency=currency)
    except IntegrityError:
        return Account.objects.get(kind=kind, currency=currency, user__isnull=True)


def wallet_account(*, user, currency: Currency | str) -> Account:
    """`user`'s wallet in `currency`, created on first use (Techaven wallets are created at
    sign-up; CryptoShop users create theirs with `POST /api/wallet`)."""
    account = Account.objects.filter(user=user, currency=currency).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(kind=Account.Kind.WALLET, user=user, currency=currency)
    except IntegrityError:
        return Account.objects.get(user=user, currency=currency)


def _check_balanced(legs: Sequence[Leg]) -> None:
    if len(legs) < 2:
        raise WalletError(WalletErrorCode.UNBALANCED, "A movement needs at least two entries")
    totals: dict[str, int] = defaultdict(int)
    for leg in legs:
        if not isinstance(leg.amount_minor, int) or isinstance(leg.amount_minor, bool):
            raise WalletError(WalletErrorCode.UNBALANCED, "Amounts are whole minor units")
        if leg.amount_minor == 0:
            raise WalletError(WalletErrorCode.UNBALANCED, "An entry cannot be zero")
        totals[leg.account.currency] += leg.amount_minor
    unbalanced = {currency: total for currency, total in totals.items() if total}
    if unbalanced:
        raise WalletError(
            WalletErrorCode.UNBALANCED, f"The entries do not balance: {unbalanced} left over"
        )


@transaction.atomic
def ledger_post(
    *,
    key: str,
    kind: LedgerTransaction.Kind,
    legs: Sequence[Leg],
    description: str = "",
    reference: str = "",
    uid: str | None = None,
    created_by=None,
    reason: str = "",
    insufficient_message: str = "Insufficient wallet balance",
    insufficient_field: str | None = None,
) -> Posting:
    """Post one balanced movement, once per `key`.

    Raises `InsufficientFunds` (nothing written) when an account that holds money would go
    below zero. `uid` gives the transaction the public id of what it settles (a top-up keeps
    the `txn_…` it was announced with).
    """
    _check_balanced(legs)
    existing = LedgerTransaction.objects.filter(key=key).first()
    if existing is not None:
        return Posting(existing, created=False)
    locked = accounts_lock(leg.account.pk for leg in legs)
    # whoever held these locks before us may have posted the same key: look again now
    existing = LedgerTransaction.objects.filter(key=key).first()
    if existing is not None:
        return Posting(existing, created=False)
    balances = {pk: account.balance_minor for pk, account in locked.items()}
    now = timezone.now()
    entries: list[Entry] = []
    for leg in legs:
        account = locked[leg.account.pk]
        balances[account.pk] += leg.amount_minor
        if balances[account.pk] < 0 and not account.may_go_negative:
            raise InsufficientFunds(insufficient_message, field=insufficient_field)
        entries.append(
            Entry(
                account=account,
                amount_minor=leg.amount_minor,
                currency=account.currency,
                balance_after=balances[account.pk],
                created_at=now,
            )
        )
    fields = {
        "key": key,
        "kind": kind,
        "description": description[:255],
        "reference": reference[:128],
        "created_by": created_by,
        "reason": reason[:500],
        "created_at": now,
    }
    if uid:
        fields["uid"] = uid
    ledger_transaction = LedgerTransaction.objects.create(**fields)
    for entry in entries:
        entry.transaction = ledger_transaction
    Entry.objects.bulk_create(entries)
    for pk, balance in balances.items():
        Account.objects.filter(pk=pk).update(balance_minor=balance, updated_at=now)
        locked[pk].balance_minor = balance
    return Posting(ledger_transaction, created=True)
