"""The ledger's rules in the service layer (every database) and in PostgreSQL itself."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction

from tests.factories.accounts import TechavenUserFactory
from tests.helpers.payments import signed_callback
from tests.helpers.wallet import fund
from wallet.errors import InsufficientFunds, WalletError
from wallet.models import Account, Entry, LedgerTransaction, PaymentAttempt
from wallet.sandbox import sandbox_payment_get
from wallet.services import Leg, ledger_post, system_account, topup_start, wallet_account
from wallet.services.order_money import order_pay_from_wallet

postgres_only = pytest.mark.skipif(
    not settings.USES_POSTGRES, reason="the ledger's triggers and row locks are PostgreSQL's"
)


@pytest.fixture
def wallet(db):
    return wallet_account(user=TechavenUserFactory(), currency="MWK")


def gateway():
    return system_account(Account.Kind.GATEWAY, "MWK")


def credit(wallet, amount, key):
    return ledger_post(
        key=key,
        kind=LedgerTransaction.Kind.TOPUP,
        legs=[Leg(gateway(), -amount), Leg(wallet, amount)],
    )


@pytest.mark.parametrize(
    "legs",
    [
        lambda w: [Leg(w, 100)],
        lambda w: [Leg(w, 100), Leg(gateway(), -99)],
        lambda w: [Leg(w, 0), Leg(gateway(), 0)],
        lambda w: [Leg(w, 100), Leg(system_account(Account.Kind.CHAIN, "BTC"), -100)],
    ],
    ids=["one leg", "unbalanced", "zero", "currencies mixed"],
)
def test_a_movement_that_does_not_balance_is_refused_and_writes_nothing(wallet, legs):
    with pytest.raises(WalletError):
        ledger_post(key="bad", kind=LedgerTransaction.Kind.ADJUSTMENT, legs=legs(wallet))
    assert not LedgerTransaction.objects.exists() and not Entry.objects.exists()


def test_the_same_key_moves_money_once(wallet):
    first = credit(wallet, 500, "topup:x")
    second = credit(wallet, 500, "topup:x")
    assert first.created and not second.created
    assert second.transaction.pk == first.transaction.pk
    wallet.refresh_from_db()
    assert wallet.balance_minor == 500 and Entry.objects.count() == 2


def test_a_wallet_never_goes_below_zero(wallet):
    credit(wallet, 500, "topup:a")
    sales = system_account(Account.Kind.SALES, "MWK")
    with pytest.raises(InsufficientFunds):
        ledger_post(
            key="pay", kind=LedgerTransaction.Kind.ORDER_PAYMENT,
            legs=[Leg(wallet, -501), Leg(sales, 501)],
        )  # fmt: skip
    wallet.refresh_from_db()
    assert wallet.balance_minor == 500 and not LedgerTransaction.objects.filter(key="pay").exists()


def test_each_entry_records_the_balance_after_it(wallet):
    for i, amount in enumerate([100, 250, 50]):
        credit(wallet, amount, f"topup:{i}")
    entries = Entry.objects.filter(account=wallet).order_by("id")
    assert [e.balance_after for e in entries] == [100, 350, 400]
    gateway_entries = Entry.objects.filter(account=gateway()).order_by("id")
    assert [e.balance_after for e in gateway_entries] == [-100, -350, -400]
    assert gateway().balance_minor == -400


@pytest.mark.django_db
def test_the_database_refuses_a_negative_wallet():
    wallet = wallet_account(user=TechavenUserFactory(), currency="MWK")
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=wallet.pk).update(balance_minor=-1)


# --- PostgreSQL ----------------------------------------------------------------------------
@postgres_only
@pytest.mark.parametrize("statement", ["UPDATE wallet_entry SET amount_minor = 1",
                                       "DELETE FROM wallet_entry",
                                       "UPDATE wallet_ledgertransaction SET description = 'x'",
                                       "DELETE FROM wallet_ledgertransaction"])  # fmt: skip
def test_postgresql_keeps_the_ledger_append_only(wallet, statement):
    credit(wallet, 500, "topup:a")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement)
    assert Entry.objects.filter(amount_minor=500).exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_refuses_an_unbalanced_transaction_at_commit():
    wallet = wallet_account(user=TechavenUserFactory(), currency="MWK")
    with pytest.raises(DatabaseError, match="does not balance"):
        with transaction.atomic():
            txn = LedgerTransaction.objects.create(key="forged", kind="adjustment")
            Entry.objects.create(transaction=txn, account=wallet, amount_minor=900,
                                 currency="MWK", balance_after=900)  # fmt: skip
            Entry.objects.create(transaction=txn, account=gateway(), amount_minor=-100,
                                 currency="MWK", balance_after=-100)  # fmt: skip
    with pytest.raises(DatabaseError, match="at least two"):
        with transaction.atomic():
            txn = LedgerTransaction.objects.create(key="forged", kind="adjustment")
            Entry.objects.create(transaction=txn, account=wallet, amount_minor=900,
                                 currency="MWK", balance_after=900)  # fmt: skip
    assert not LedgerTransaction.objects.exists()


def _in_threads(n: int, call) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = call(i)
        except Exception as exc:  # kept for the assertions
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_wallet_payments_spend_exactly_what_is_there():
    user = TechavenUserFactory()
    wallet = fund(user, 10 * 7_000)

    def pay(i: int):
        with transaction.atomic(durable=True):
            return order_pay_from_wallet(
                user=user, order_uid=f"order{i}", order_number=f"TH-2026-{i:04d}",
                amount_minor=7_000, currency="MWK",
            )  # fmt: skip

    results = _in_threads(50, pay)
    paid = [r for r in results if isinstance(r, LedgerTransaction)]
    refused = [r for r in results if isinstance(r, InsufficientFunds)]
    assert (len(paid), len(refused)) == (10, 40), results
    wallet.refresh_from_db()
    assert wallet.balance_minor == 0
    balances = list(
        Entry.objects.filter(account=wallet).order_by("id").values_list("balance_after", flat=True)
    )
    assert min(balances) == 0 and balances[-1] == 0
    assert sum(Entry.objects.filter(account=wallet).values_list("amount_minor", flat=True)) == 0


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_same_top_up_callback_twenty_times_at_once_credits_once():
    user = TechavenUserFactory()
    attempt = topup_start(user=user, amount_minor=10_000, phone_number="+265991234567")
    sandbox = sandbox_payment_get(attempt.reference)
    sandbox.decision = "approved"
    sandbox.save()
    results = _in_threads(20, lambda i: signed_callback(attempt.reference, succeeded=True).json())
    assert [r["replayed"] for r in results].count(False) == 1, results
    wallet = Account.objects.get(user=user)
    assert wallet.balance_minor == 10_000
    assert LedgerTransaction.objects.filter(kind="topup").count() == 1
    assert PaymentAttempt.objects.get(pk=attempt.pk).status == "succeeded"
