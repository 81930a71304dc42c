"""`manage.py ledger_audit`, its daily beat task, and the notice staff see in the admin."""

from __future__ import annotations

import io
import logging

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.test import Client

from tests.factories.accounts import StaffUserFactory, TechavenUserFactory
from tests.helpers.wallet import fund
from wallet.models import Account, Entry, LedgerAudit, LedgerTransaction
from wallet.services import account_adjust, ledger_audit, system_account
from wallet.services.audit import MAX_LISTED
from wallet.tasks import ledger_audit_daily

pytestmark = pytest.mark.django_db

on_postgresql = connection.vendor == "postgresql"


@pytest.fixture
def superuser():
    return StaffUserFactory(is_superuser=True)


@pytest.fixture
def books(superuser):
    """Two funded wallets and a staff adjustment: a clean ledger."""
    alice = fund(TechavenUserFactory(username="alice"), 50_000)
    bob = fund(TechavenUserFactory(username="bob"), 20_000)
    account_adjust(account_id=bob.pk, amount_minor=2_500, reason="Goodwill", staff_user=superuser)
    return alice, bob


def balance_again(ledger_transaction: LedgerTransaction, amount_minor: int) -> None:
    """Balance a transaction a test unbalanced on purpose, once audited: at the end of a test
    Django sets PostgreSQL's deferred constraints IMMEDIATE before rolling back, which runs
    the ledger's balance trigger (entries cannot be deleted, so a leg is added)."""
    outside = system_account(Account.Kind.ADJUSTMENTS, "MWK")
    Entry.objects.create(
        transaction=ledger_transaction,
        account=outside,
        amount_minor=amount_minor,
        currency="MWK",
        balance_after=outside.balance_minor + amount_minor,
    )


def audit_fails() -> str:
    with pytest.raises(CommandError) as failure:
        call_command("ledger_audit", stdout=io.StringIO())
    return str(failure.value)


def test_a_clean_ledger_passes_and_the_run_is_recorded(books):
    out = io.StringIO()
    call_command("ledger_audit", stdout=out)
    accounts, transactions = Account.objects.count(), LedgerTransaction.objects.count()
    assert transactions == 3
    assert out.getvalue().strip() == (
        f"Ledger audit: {accounts} accounts, {transactions} transactions, no discrepancy"
    )
    run = LedgerAudit.objects.get()
    assert (run.ok, run.accounts_checked, run.transactions_checked) == (True, accounts, 3)


def test_a_cached_balance_changed_behind_the_ledgers_back_is_named_with_the_difference(books):
    alice, _ = books
    Account.objects.filter(pk=alice.pk).update(balance_minor=F("balance_minor") + 1_000)
    report = audit_fails()
    assert report.startswith("Ledger audit: ")
    assert (
        f"account {alice.pk} (wallet of alice, MWK): cached balance 51000, entries sum to "
        "50000, difference +1000"
    ) in report
    assert f"account {alice.pk} (wallet of alice, MWK): cached balance 51000, but its last " in (
        report
    )
    run = LedgerAudit.objects.get()
    assert not run.ok and run.report == report


def test_an_unbalanced_transaction_is_named(books):
    alice, _ = books
    posted = LedgerTransaction.objects.filter(entries__account=alice).get()
    # PostgreSQL's deferred trigger would refuse this at commit; the test never commits
    Entry.objects.create(
        transaction=posted,
        account=alice,
        amount_minor=500,
        currency="MWK",
        balance_after=alice.balance_minor + 500,
    )
    Account.objects.filter(pk=alice.pk).update(balance_minor=alice.balance_minor + 500)
    report = audit_fails()
    assert (
        f"transaction {posted.pk} ({posted.key}) does not balance: its MWK entries sum to +500"
    ) in report
    assert "1 discrepancy:" in report  # the cached balance followed the entries
    balance_again(posted, -500)


def test_transactions_with_fewer_than_two_entries_are_named(books):
    empty = LedgerTransaction.objects.create(key="test:empty", kind="adjustment")
    lonely = LedgerTransaction.objects.create(key="test:lonely", kind="adjustment")
    fees = system_account(Account.Kind.FEES, "MWK")
    Entry.objects.create(
        transaction=lonely, account=fees, amount_minor=300, currency="MWK", balance_after=300
    )
    Account.objects.filter(pk=fees.pk).update(balance_minor=300)
    report = audit_fails()
    assert f"transaction {empty.pk} (test:empty) has 0 entries, needs at least two" in report
    assert f"transaction {lonely.pk} (test:lonely) has 1 entry, needs at least two" in report
    assert f"transaction {lonely.pk} (test:lonely) does not balance" in report
    balance_again(lonely, -300)


def test_an_entry_in_another_currency_than_its_account_is_named(books):
    alice, bob = books
    odd = LedgerTransaction.objects.create(key="test:odd-currency", kind="adjustment")
    entries = [
        Entry(transaction=odd, account=alice, amount_minor=-100, currency="BTC", balance_after=0),
        Entry(transaction=odd, account=bob, amount_minor=100, currency="BTC", balance_after=0),
    ]
    Entry.objects.bulk_create(entries)
    report = audit_fails()
    assert (
        f"entry {entries[0].pk} of transaction {odd.pk} (test:odd-currency) is in BTC, "
        f"its account {alice.pk} (wallet of alice, MWK) is not"
    ) in report


@pytest.mark.skipif(
    on_postgresql, reason="PostgreSQL's CHECK refuses a negative wallet, with no way around it"
)
def test_a_negative_wallet_is_named(books):
    alice, _ = books
    # the CHECK refuses it on SQLite too; a database restored without it would not
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA ignore_check_constraints = ON")
        try:
            Account.objects.filter(pk=alice.pk).update(balance_minor=-10)
        finally:
            cursor.execute("PRAGMA ignore_check_constraints = OFF")
    report = audit_fails()
    assert f"account {alice.pk} (wallet of alice, MWK) holds money and is below zero: -10" in (
        report
    )


def test_the_outside_world_may_go_below_zero(books):
    gateway = Account.objects.get(kind=Account.Kind.GATEWAY, currency="MWK")
    adjustments = Account.objects.get(kind=Account.Kind.ADJUSTMENTS, currency="MWK")
    assert gateway.balance_minor == -70_000 and adjustments.balance_minor == -2_500
    assert ledger_audit().ok


def test_a_long_report_lists_the_first_problems_and_counts_the_rest(
    books, django_assert_max_num_queries
):
    LedgerTransaction.objects.bulk_create(
        LedgerTransaction(key=f"test:empty:{n}", kind="adjustment") for n in range(MAX_LISTED + 5)
    )
    # a constant number of aggregate queries, whatever the number of problems
    with django_assert_max_num_queries(15):
        report = ledger_audit()
    assert not report.ok and report.problems_total == MAX_LISTED + 5
    lines = report.text().splitlines()
    assert lines[0] == (
        f"Ledger audit: {Account.objects.count()} accounts, {MAX_LISTED + 8} transactions, "
        f"{MAX_LISTED + 5} discrepancies:"
    )
    assert len(lines) == 1 + MAX_LISTED + 1
    assert lines[-1] == "… and 5 more"


def test_the_beat_task_logs_a_discrepancy_and_the_admin_index_announces_it(
    books, superuser, caplog
):
    alice, _ = books
    Account.objects.filter(pk=alice.pk).update(balance_minor=F("balance_minor") + 1)
    with caplog.at_level(logging.ERROR, logger="wallet.tasks"):
        assert ledger_audit_daily.delay().get() is False
    [record] = [r for r in caplog.records if r.name == "wallet.tasks"]
    assert record.levelno == logging.ERROR
    assert f"account {alice.pk} (wallet of alice, MWK)" in record.getMessage()

    staff = Client()
    staff.force_login(superuser)
    page = staff.get("/admin/")
    assert page.status_code == 200
    assert "Ledger audit failed at" in page.content.decode()
    assert "/admin/wallet/ledgeraudit/?ok__exact=0" in page.content.decode()
    # the app list is still there: the stock index, extended
    assert "/admin/wallet/account/" in page.content.decode()

    listed = staff.get("/admin/wallet/ledgeraudit/?ok__exact=0")
    assert listed.status_code == 200
    assert "FAILED" in listed.content.decode()

    # once the books are right again, the next run clears the notice (the failure stays listed)
    Account.objects.filter(pk=alice.pk).update(balance_minor=F("balance_minor") - 1)
    with caplog.at_level(logging.ERROR, logger="wallet.tasks"):
        caplog.clear()
        assert ledger_audit_daily.delay().get() is True
    assert not [r for r in caplog.records if r.name == "wallet.tasks"]
    assert "Ledger audit failed" not in staff.get("/admin/").content.decode()
    assert LedgerAudit.objects.filter(ok=False).count() == 1


def test_staff_who_may_not_see_the_audits_get_no_notice(books):
    LedgerAudit.objects.create(ok=False, report="Ledger audit: …")
    clerk = Client()
    clerk.force_login(StaffUserFactory())
    page = clerk.get("/admin/")
    assert page.status_code == 200
    assert "Ledger audit failed" not in page.content.decode()


def test_beat_runs_the_audit_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["wallet-ledger-audit"]
    assert entry["task"] == "wallet.tasks.ledger_audit_daily"
    assert entry["schedule"] == 86_400
