"""`account_adjust`: staff move money only as a balanced, attributed ledger transaction."""

from __future__ import annotations

import pytest

from tests.conftest import TECHAVEN
from tests.factories.accounts import StaffUserFactory, TechavenUserFactory
from tests.helpers.wallet import fund
from wallet.errors import InsufficientFunds, WalletError, WalletErrorCode
from wallet.models import Account, Entry, LedgerTransaction
from wallet.services import account_adjust, system_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return StaffUserFactory(is_superuser=True)


@pytest.fixture
def wallet():
    return fund(TechavenUserFactory(), 5_000)


def written() -> tuple[int, int]:
    return LedgerTransaction.objects.count(), Entry.objects.count()


def test_a_debit_posts_against_the_staff_adjustments_account(wallet, superuser):
    adjustment = account_adjust(
        account_id=wallet.pk,
        amount_minor=-1_500,
        reason="  Duplicate top-up ",
        staff_user=superuser,
    )
    wallet.refresh_from_db()
    counterpart = Account.objects.get(kind=Account.Kind.ADJUSTMENTS, currency="MWK")
    assert (wallet.balance_minor, counterpart.balance_minor) == (3_500, 1_500)
    assert (adjustment.kind, adjustment.reason, adjustment.created_by) == (
        "adjustment",
        "Duplicate top-up",
        superuser,
    )
    assert adjustment.entries.get(account=wallet).balance_after == 3_500


def test_a_debit_beyond_the_balance_is_refused_and_writes_nothing(wallet, superuser):
    before = written()
    with pytest.raises(InsufficientFunds) as refused:
        account_adjust(
            account_id=wallet.pk, amount_minor=-5_001, reason="Too much", staff_user=superuser
        )
    assert "below zero (balance MK 5,000)" in refused.value.message
    assert written() == before
    wallet.refresh_from_db()
    assert wallet.balance_minor == 5_000


@pytest.mark.parametrize(
    ("amount", "reason", "code"),
    [
        (0, "Why", WalletErrorCode.INVALID_AMOUNT),
        (True, "Why", WalletErrorCode.INVALID_AMOUNT),
        (12.5, "Why", WalletErrorCode.INVALID_AMOUNT),
        (100, " ", WalletErrorCode.REASON_REQUIRED),
        (100, "x" * 501, WalletErrorCode.REASON_REQUIRED),
    ],
)
def test_an_amount_and_a_reason_are_required(wallet, superuser, amount, reason, code):
    before = written()
    with pytest.raises(WalletError) as refused:
        account_adjust(
            account_id=wallet.pk, amount_minor=amount, reason=reason, staff_user=superuser
        )
    assert refused.value.code == code
    assert written() == before


def test_only_staff_with_the_permission_may_adjust(wallet):
    for user in (StaffUserFactory(), TechavenUserFactory(), StaffUserFactory(is_active=False)):
        with pytest.raises(WalletError) as refused:
            account_adjust(account_id=wallet.pk, amount_minor=1, reason="Why", staff_user=user)
        assert refused.value.code == WalletErrorCode.ADJUSTMENT_NOT_ALLOWED
    assert not LedgerTransaction.objects.filter(kind="adjustment").exists()


def test_the_adjustments_account_itself_and_unknown_accounts_are_refused(superuser):
    adjustments = system_account(Account.Kind.ADJUSTMENTS, "MWK")
    with pytest.raises(WalletError) as refused:
        account_adjust(
            account_id=adjustments.pk, amount_minor=1, reason="Why", staff_user=superuser
        )
    assert refused.value.code == WalletErrorCode.ADJUSTMENT_NOT_ALLOWED
    with pytest.raises(WalletError) as refused:
        account_adjust(account_id=999_999, amount_minor=1, reason="Why", staff_user=superuser)
    assert refused.value.code == WalletErrorCode.WALLET_NOT_FOUND


def test_the_user_reads_the_adjustment_in_their_statement(buyer_client, buyer, superuser):
    wallet = fund(buyer, 1_000)
    adjustment = account_adjust(
        account_id=wallet.pk, amount_minor=250, reason="Goodwill", staff_user=superuser
    )
    response = buyer_client.get(f"{TECHAVEN}/wallet/transactions")
    assert response.status_code == 200
    latest = response.json()["data"]["transactions"][0]
    assert latest["id"] == f"txn_{adjustment.uid}"
    assert (latest["type"], latest["amount"], latest["balance_after"]) == ("credit", 250, 1_250)
    assert latest["description"] == "Adjustment by staff: Goodwill"
