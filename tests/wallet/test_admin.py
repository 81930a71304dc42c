"""The wallet admin: the ledger read-only and searchable, and staff adjustments only through
the "Adjust balance…" action, for those allowed to make them."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories.accounts import StaffUserFactory, TechavenUserFactory
from tests.helpers.wallet import fund
from wallet.models import (
    Account,
    Deposit,
    Entry,
    LedgerAudit,
    LedgerTransaction,
    PaymentAttempt,
    SandboxPayment,
    Withdrawal,
)
from wallet.services import account_adjust, ledger_audit, wallet_account

pytestmark = pytest.mark.django_db

ADMIN = "/admin/wallet"
ACCOUNTS = f"{ADMIN}/account/"
MODELS = {
    "account": Account,
    "ledgertransaction": LedgerTransaction,
    "entry": Entry,
    "deposit": Deposit,
    "withdrawal": Withdrawal,
    "ledgeraudit": LedgerAudit,
    "paymentattempt": PaymentAttempt,
    "sandboxpayment": SandboxPayment,
}
READ_ONLY = ["account", "ledgertransaction", "entry", "deposit", "withdrawal", "ledgeraudit"]


@pytest.fixture
def superuser():
    return StaffUserFactory(is_superuser=True)


@pytest.fixture
def staff(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


def books(wallets: int, superuser, start: int = 0) -> list[Account]:
    """`wallets` funded MWK wallets (buyer<n>@shop.mw holds 10,000 + n kwacha), an
    adjustment, BTC deposits and withdrawals, an audit run."""
    numbers = range(start, start + wallets)
    accounts = [fund(TechavenUserFactory(email=f"buyer{n}@shop.mw"), 10_000 + n) for n in numbers]
    account_adjust(
        account_id=accounts[0].pk, amount_minor=100, reason="Goodwill", staff_user=superuser
    )
    btc = wallet_account(user=accounts[0].user, currency="BTC")
    for n in numbers:
        Deposit.objects.create(
            account=btc, txid=f"{n:064x}", vout=0, address=f"bc1qtest{n}", amount_minor=5_000
        )
        Withdrawal.objects.create(account=btc, amount_minor=1_000, address=f"bc1qout{n}")
    ledger_audit()
    return accounts


@pytest.fixture
def ledger(superuser) -> list[Account]:
    return books(3, superuser)


def staff_with(*codenames: str) -> Client:
    user = StaffUserFactory()
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="wallet", codename__in=codenames)
    )
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def choose_action(client: Client, *accounts: Account, action: str = "adjust_balance"):
    return client.post(
        ACCOUNTS,
        {"action": action, "index": 0, ACTION_CHECKBOX_NAME: [a.pk for a in accounts]},
    )


def adjust_url(account: Account) -> str:
    return f"{ACCOUNTS}{account.pk}/adjust/"


# --- read-only, searchable, constant query counts -------------------------------------------
@pytest.mark.parametrize("name", list(MODELS))
def test_every_changelist_and_change_page_opens_for_a_superuser(staff, ledger, name):
    assert staff.get(f"{ADMIN}/{name}/").status_code == 200
    obj = MODELS[name].objects.order_by("pk").first()
    assert obj is not None, name
    assert staff.get(f"{ADMIN}/{name}/{obj.pk}/change/").status_code == 200


@pytest.mark.parametrize("name", READ_ONLY)
def test_changelists_hold_their_query_count_as_the_ledger_grows(
    staff, superuser, name, django_assert_max_num_queries
):
    books(2, superuser)
    with CaptureQueriesContext(connection) as few:
        assert staff.get(f"{ADMIN}/{name}/").status_code == 200
    books(4, superuser, start=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert staff.get(f"{ADMIN}/{name}/").status_code == 200
    assert len(few.captured_queries) <= 6


@pytest.mark.parametrize("name", READ_ONLY)
def test_nothing_of_the_ledger_can_be_added_or_deleted(staff, ledger, name):
    obj = MODELS[name].objects.order_by("pk").first()
    assert staff.get(f"{ADMIN}/{name}/add/").status_code == 403
    assert staff.get(f"{ADMIN}/{name}/{obj.pk}/delete/").status_code == 403
    assert staff.post(f"{ADMIN}/{name}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert MODELS[name].objects.filter(pk=obj.pk).exists()


def test_a_posted_change_changes_nothing(staff, ledger):
    wallet = ledger[0]
    wallet.refresh_from_db()
    before = wallet.balance_minor
    response = staff.post(
        f"{ACCOUNTS}{wallet.pk}/change/",
        {"balance_minor": 999_999, "currency": "EUR", "kind": "fees", "payout_address": "x"},
    )
    assert response.status_code == 403
    wallet.refresh_from_db()
    assert (wallet.balance_minor, wallet.currency, wallet.payout_address) == (before, "MWK", "")
    ledger_transaction = LedgerTransaction.objects.order_by("pk").first()
    response = staff.post(
        f"{ADMIN}/ledgertransaction/{ledger_transaction.pk}/change/", {"reason": "edited"}
    )
    assert response.status_code == 403
    ledger_transaction.refresh_from_db()
    assert ledger_transaction.reason == ""


def test_the_wallet_page_shows_the_balance_readably_next_to_minor_units(staff, superuser):
    user = TechavenUserFactory()
    btc = wallet_account(user=user, currency="BTC")
    account_adjust(account_id=btc.pk, amount_minor=250_000, reason="Test", staff_user=superuser)
    page = staff.get(f"{ACCOUNTS}?q={user.email}").content.decode()
    assert "0.00250000 BTC" in page and "250000" in page
    mwk = fund(user, 75_000)
    page = staff.get(f"{ACCOUNTS}{mwk.pk}/change/").content.decode()
    assert "75,000 MWK" in page


def test_the_search_finds_a_wallet_by_email_and_a_transaction_by_reference(staff, ledger):
    wallet = ledger[1]
    page = staff.get(ACCOUNTS, {"q": "buyer1@shop.mw"}).content.decode()
    assert f'href="/admin/wallet/account/{wallet.pk}/change/' in page
    assert f'href="/admin/wallet/account/{ledger[2].pk}/change/' not in page

    topup = LedgerTransaction.objects.get(entries__account=wallet, kind="topup")
    assert topup.reference
    page = staff.get(f"{ADMIN}/ledgertransaction/", {"q": topup.reference}).content.decode()
    assert f'href="/admin/wallet/ledgertransaction/{topup.pk}/change/' in page
    other = LedgerTransaction.objects.get(entries__account=ledger[2], kind="topup")
    assert f'href="/admin/wallet/ledgertransaction/{other.pk}/change/' not in page

    page = staff.get(f"{ADMIN}/ledgertransaction/", {"q": "buyer2@shop.mw"}).content.decode()
    assert f"/admin/wallet/ledgertransaction/{other.pk}/change/" in page
    assert f"/admin/wallet/ledgertransaction/{topup.pk}/change/" not in page
    page = staff.get(f"{ADMIN}/entry/", {"q": topup.reference}).content.decode()
    assert page.count('class="action-select"') == 0  # read-only: no actions at all
    assert topup.key in page
    page = staff.get(f"{ADMIN}/deposit/", {"q": "bc1qtest2"}).content.decode()
    assert "bc1qtest2" in page and "bc1qtest1<" not in page


def test_the_transaction_page_shows_its_entries(staff, ledger):
    topup = LedgerTransaction.objects.filter(kind="topup").order_by("pk").first()
    page = staff.get(f"{ADMIN}/ledgertransaction/{topup.pk}/change/").content.decode()
    for entry in topup.entries.all():
        assert f"{entry.amount_minor}" in page
    assert "10,000 MWK" in page and "-10,000 MWK" in page


# --- the staff adjustment ----------------------------------------------------------------
def test_the_adjust_action_opens_a_form_for_the_selected_account(staff, ledger):
    wallet = ledger[0]
    response = choose_action(staff, wallet)
    assert response.status_code == 302 and response["Location"] == adjust_url(wallet)
    page = staff.get(adjust_url(wallet))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="amount"' in body and 'name="reason"' in body and 'name="confirm"' in body
    assert "Amount (MWK)" in body and "10,100 MWK" in body


def test_an_adjustment_credits_the_wallet_with_a_balanced_transaction(staff, superuser, ledger):
    wallet = ledger[1]
    before = wallet.balance_minor
    response = staff.post(
        adjust_url(wallet), {"amount": "2500", "reason": "Refund of a lost parcel", "confirm": 1}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{ACCOUNTS}{wallet.pk}/change/"
    wallet.refresh_from_db()
    assert wallet.balance_minor == before + 2_500

    adjustment = LedgerTransaction.objects.get(entries__account=wallet, kind="adjustment")
    assert (adjustment.created_by, adjustment.reason) == (superuser, "Refund of a lost parcel")
    assert adjustment.description == "Adjustment by staff: Refund of a lost parcel"
    assert adjustment.key.startswith("adjust:")
    legs = {e.account.kind: e.amount_minor for e in adjustment.entries.select_related("account")}
    assert legs == {"wallet": 2_500, "adjustments": -2_500}
    assert adjustment.entries.aggregate(total=Sum("amount_minor"))["total"] == 0

    logged = LogEntry.objects.get(object_id=str(wallet.pk))
    assert logged.user == superuser and adjustment.key in logged.change_message
    followed = staff.get(response["Location"]).content.decode()
    assert "Adjusted wallet MWK of" in followed and adjustment.key in followed
    page = staff.get(f"{ADMIN}/ledgertransaction/{adjustment.pk}/change/").content.decode()
    assert superuser.username in page and "Refund of a lost parcel" in page
    assert ledger_audit().ok


def test_a_debit_beyond_the_balance_is_refused_and_writes_nothing(staff, ledger):
    wallet = ledger[1]
    before = (wallet.balance_minor, LedgerTransaction.objects.count(), Entry.objects.count())
    response = staff.post(adjust_url(wallet), {"amount": "-10002", "reason": "Clawback"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="error"' in body and "would take wallet MWK of" in body
    assert "below zero (balance MK 10,001)" in body
    wallet.refresh_from_db()
    after = (wallet.balance_minor, LedgerTransaction.objects.count(), Entry.objects.count())
    assert after == before

    response = staff.post(adjust_url(wallet), {"amount": "-10001", "reason": "Clawback"})
    assert response.status_code == 302
    wallet.refresh_from_db()
    assert wallet.balance_minor == 0


@pytest.mark.parametrize(
    ("amount", "reason", "error"),
    [
        ("2500", "", "This field is required."),
        ("2500", "   ", "This field is required."),
        ("abc", "Why", "Enter a number such as 2500"),
        ("1e9", "Why", "Enter a number such as 2500"),
        ("", "Why", "This field is required."),
        ("0", "Why", "An adjustment is a non-zero amount."),
        ("12.5", "Why", "MWK has at most 0 decimal places"),
        ("99999999999999999999", "Why", "That amount is too large."),
    ],
)
def test_the_form_refuses_what_is_not_a_plain_amount_and_a_reason(
    staff, ledger, amount, reason, error
):
    wallet = ledger[0]
    count = LedgerTransaction.objects.count()
    response = staff.post(adjust_url(wallet), {"amount": amount, "reason": reason})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert LedgerTransaction.objects.count() == count


def test_a_btc_adjustment_takes_up_to_eight_decimals(staff, ledger):
    btc = Account.objects.get(currency="BTC", user=ledger[0].user)
    response = staff.post(adjust_url(btc), {"amount": "0.000000001", "reason": "Why"})
    assert "BTC has at most 8 decimal places" in response.content.decode()
    response = staff.post(adjust_url(btc), {"amount": "0.00012345", "reason": "Dust"})
    assert response.status_code == 302
    btc.refresh_from_db()
    assert btc.balance_minor == 12_345


def test_one_account_at_a_time(staff, ledger):
    response = choose_action(staff, ledger[0], ledger[1])
    assert response.status_code == 302 and response["Location"] == ACCOUNTS
    assert "Select exactly one account to adjust." in staff.get(ACCOUNTS).content.decode()


def test_staff_without_the_permission_are_not_offered_the_adjustment(ledger):
    viewer = staff_with("view_account", "view_ledgertransaction", "view_entry")
    page = viewer.get(ACCOUNTS)
    assert page.status_code == 200
    assert "adjust_balance" not in page.content.decode()
    response = choose_action(viewer, ledger[0])
    assert response.status_code == 200  # the changelist again: no such action
    assert viewer.get(adjust_url(ledger[0])).status_code == 403
    response = viewer.post(adjust_url(ledger[0]), {"amount": "2500", "reason": "Why"})
    assert response.status_code == 403
    assert not LedgerTransaction.objects.filter(created_by=viewer.user).exists()


def test_staff_given_the_permission_may_adjust(ledger):
    clerk = staff_with("view_account", "adjust_balance")
    page = clerk.get(ACCOUNTS).content.decode()
    assert "adjust_balance" in page
    assert choose_action(clerk, ledger[2])["Location"] == adjust_url(ledger[2])
    response = clerk.post(adjust_url(ledger[2]), {"amount": "-2", "reason": "Fee correction"})
    assert response.status_code == 302
    adjustment = LedgerTransaction.objects.get(kind="adjustment", created_by=clerk.user)
    assert adjustment.entries.get(account=ledger[2]).amount_minor == -2


# --- what serves each payment provider, on the admin index ----------------------------------
def payments_panel(client: Client) -> dict[str, str]:
    """The index's "Payments" panel: {provider key: its cell's text, with markup}."""
    page = client.get("/admin/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "<caption>Payments</caption>" in body
    rows = re.findall(
        r'<tr class="payments-(\w+)">\s*<th scope="row">[^<]+</th>\s*<td>(.*?)</td>', body
    )
    return dict(rows)


def test_the_index_shows_the_sandbox_serving_each_provider_as_a_warning_without_debug(staff):
    panel = payments_panel(staff)
    assert list(panel) == ["airtel_money", "tnm_mpamba", "btc_chain"]
    for cell in panel.values():  # pytest runs with DEBUG off, as a deployment would
        assert ">sandbox</strong>" in cell and 'class="payments-warning"' in cell
    body = staff.get("/admin/").content.decode()
    assert "Airtel Money" in body and "TNM Mpamba" in body and "BTC chain" in body
    assert "/admin/wallet/account/" in body  # the app list is still there


def test_in_development_the_sandbox_is_shown_plainly(staff, settings):
    settings.DEBUG = True
    assert set(payments_panel(staff).values()) == {"sandbox"}


def test_the_index_shows_off_where_the_sandbox_is_switched_off(staff, settings):
    settings.PAYMENTS_SANDBOX = False
    panel = payments_panel(staff)
    assert len(panel) == 3
    for cell in panel.values():
        assert ">off</span>" in cell and "sandbox<" not in cell


def test_the_index_names_a_real_adapter(staff, settings):
    settings.PAYMENT_PROVIDERS = {"airtel_money": "wallet.paychangu.PayChanguProvider"}
    panel = payments_panel(staff)
    assert panel["airtel_money"] == "PayChanguProvider"
    assert ">sandbox</strong>" in panel["tnm_mpamba"]
    settings.PAYMENTS_SANDBOX = False  # the real adapter stays; what the sandbox served is off
    panel = payments_panel(staff)
    assert panel["airtel_money"] == "PayChanguProvider"
    assert ">off</span>" in panel["tnm_mpamba"] and ">off</span>" in panel["btc_chain"]


def test_the_panel_is_for_staff_only():
    response = Client().get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert "Payments" not in Client().get(response["Location"]).content.decode()
    clerk = staff_with()  # staff with no permission at all still see what moves money
    assert set(payments_panel(clerk)) == {"airtel_money", "tnm_mpamba", "btc_chain"}
