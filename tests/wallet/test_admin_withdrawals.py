"""Staff send or reject CryptoShop withdrawals in the admin: one pending withdrawal at a time,
through "Mark sent…" (the broadcast txid) or "Reject…" (a reason), each decided once."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.services.cryptoshop_auth import cryptoshop_user_register
from tests.factories.accounts import StaffUserFactory
from wallet import bitcoin
from wallet.chain import ChainOutput
from wallet.errors import WalletError, WalletErrorCode
from wallet.models import Account, LedgerTransaction, Withdrawal
from wallet.services import ledger_audit
from wallet.services.btc import (
    btc_network,
    btc_wallet_create,
    btc_wallet_set_payout_address,
    deposit_observe,
    withdrawal_request,
    withdrawal_send,
)

pytestmark = pytest.mark.django_db

WITHDRAWALS = "/admin/wallet/withdrawal/"
PAYOUT = "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"
TXID = "cd" * 32


def requested(
    n: int = 0, *, payout: str = PAYOUT, amount_minor: int = 100_000
) -> tuple[Withdrawal, Account]:
    """A CryptoShop user whose BTC wallet received 500,000 sat (a confirmed deposit), then
    asked to withdraw `amount_minor` to `payout`."""
    user = cryptoshop_user_register().user
    wallet = btc_wallet_create(user=user)
    output = ChainOutput(
        txid="ab" * 32 if n == 0 else f"{n:064x}",
        vout=0,
        address=wallet.deposit_address,
        amount_sat=500_000,
        block_height=1,
    )
    assert deposit_observe(output=output, confirmations=6) == "credited"
    btc_wallet_set_payout_address(user=user, address=payout)
    withdrawal = withdrawal_request(user=user, amount_minor=amount_minor)
    wallet.refresh_from_db()
    return withdrawal, wallet


def another_address(n: int) -> str:
    """A valid mainnet address that is nobody's payout address yet."""
    return bitcoin.deposit_address(bitcoin.DEVELOPMENT_ZPUB, 10_000 + n, btc_network())


def system_balance(kind: str) -> int:
    return Account.objects.get(kind=kind, currency="BTC", user=None).balance_minor


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def superuser():
    return StaffUserFactory(is_superuser=True)


@pytest.fixture
def staff(superuser) -> Client:
    return signed_in(superuser)


@pytest.fixture
def pending() -> tuple[Withdrawal, Account]:
    return requested()


def staff_with(*codenames: str) -> Client:
    user = StaffUserFactory()
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="wallet", codename__in=codenames)
    )
    return signed_in(user)


def choose(client: Client, action: str, *withdrawals: Withdrawal):
    return client.post(
        WITHDRAWALS,
        {"action": action, "index": 0, ACTION_CHECKBOX_NAME: [w.pk for w in withdrawals]},
    )


def send_url(withdrawal: Withdrawal) -> str:
    return f"{WITHDRAWALS}{withdrawal.pk}/send/"


def reject_url(withdrawal: Withdrawal) -> str:
    return f"{WITHDRAWALS}{withdrawal.pk}/reject/"


def change_url(withdrawal: Withdrawal) -> str:
    return f"{WITHDRAWALS}{withdrawal.pk}/change/"


def books(withdrawal: Withdrawal, wallet: Account) -> tuple:
    """Everything a refused decision must leave as it was."""
    withdrawal.refresh_from_db()
    wallet.refresh_from_db()
    return (
        withdrawal.status,
        withdrawal.txid,
        withdrawal.decided_by_id,
        wallet.balance_minor,
        system_balance("withdrawals"),
        system_balance("chain"),
        LedgerTransaction.objects.count(),
        LogEntry.objects.count(),
    )


# --- Mark sent… -----------------------------------------------------------------------------
def test_mark_sent_opens_a_form_showing_the_withdrawal(staff, superuser, pending):
    withdrawal, wallet = pending
    response = choose(staff, "mark_sent", withdrawal)
    assert response.status_code == 302 and response["Location"] == send_url(withdrawal)
    page = staff.get(send_url(withdrawal))
    assert page.status_code == 200
    body = page.content.decode()
    assert f"wd_{withdrawal.uid}" in body
    assert wallet.user.username in body
    assert "0.00100000 BTC" in body and PAYOUT in body
    assert "Requested at" in body
    assert 'name="txid"' in body and 'name="confirm"' in body and 'value="Mark sent"' in body
    # the page still greets the staff member (the withdrawal's owner is not "user" there)
    assert f"<strong>{superuser.username}</strong>" in body


def test_marking_sent_moves_the_amount_from_pending_to_the_chain(staff, superuser, pending):
    withdrawal, wallet = pending
    assert wallet.balance_minor == 400_000  # the amount left the wallet at the request
    assert system_balance("withdrawals") == 100_000
    assert system_balance("chain") == -500_000

    response = staff.post(send_url(withdrawal), {"txid": f"  {TXID.upper()} ", "confirm": 1})
    assert response.status_code == 302 and response["Location"] == WITHDRAWALS

    withdrawal.refresh_from_db()
    assert (withdrawal.status, withdrawal.txid) == ("sent", TXID)
    assert withdrawal.decided_by == superuser and withdrawal.decided_at is not None
    assert system_balance("withdrawals") == 0
    assert system_balance("chain") == -400_000
    wallet.refresh_from_db()
    assert wallet.balance_minor == 400_000

    sent = LedgerTransaction.objects.get(key=f"withdrawal-sent:{withdrawal.uid}")
    assert (sent.kind, sent.reference, sent.created_by) == ("withdrawal_sent", TXID, superuser)
    logged = LogEntry.objects.get(object_id=str(withdrawal.pk))
    assert logged.user == superuser and logged.is_change()
    assert TXID in logged.change_message
    followed = staff.get(response["Location"]).content.decode()
    assert f"Withdrawal wd_{withdrawal.uid} of 0.00100000 BTC marked sent: {TXID}." in followed
    assert ledger_audit().ok


@pytest.mark.parametrize(
    ("txid", "error"),
    [
        ("not-a-txid", "A txid is 64 hexadecimal characters"),
        ("ab" * 31, "A txid is 64 hexadecimal characters"),
        ("g" * 64, "A txid is 64 hexadecimal characters"),
        (TXID + "00", "A txid is 64 hexadecimal characters"),
        ("", "This field is required."),
    ],
)
def test_a_bad_txid_is_shown_on_the_form_and_changes_nothing(staff, pending, txid, error):
    withdrawal, wallet = pending
    before = books(withdrawal, wallet)
    response = staff.post(send_url(withdrawal), {"txid": txid, "confirm": 1})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="errorlist' in body and error in body
    assert books(withdrawal, wallet) == before
    assert before[0] == "pending"


# --- Reject… --------------------------------------------------------------------------------
def test_rejecting_returns_the_amount_to_the_wallet(staff, superuser, pending):
    withdrawal, wallet = pending
    assert choose(staff, "reject", withdrawal)["Location"] == reject_url(withdrawal)
    page = staff.get(reject_url(withdrawal)).content.decode()
    assert 'name="reason"' in page and 'value="Reject"' in page and PAYOUT in page

    reason = "The payout address belongs to a sanctioned service"
    response = staff.post(reject_url(withdrawal), {"reason": reason, "confirm": 1})
    assert response.status_code == 302 and response["Location"] == WITHDRAWALS

    withdrawal.refresh_from_db()
    assert (withdrawal.status, withdrawal.reason, withdrawal.txid) == ("rejected", reason, "")
    assert withdrawal.decided_by == superuser
    wallet.refresh_from_db()
    assert wallet.balance_minor == 500_000
    assert system_balance("withdrawals") == 0
    assert system_balance("chain") == -500_000  # nothing went out

    returned = LedgerTransaction.objects.get(key=f"withdrawal-rejected:{withdrawal.uid}")
    assert (returned.created_by, returned.reason) == (superuser, reason)
    logged = LogEntry.objects.get(object_id=str(withdrawal.pk))
    assert logged.user == superuser and reason in logged.change_message
    followed = staff.get(response["Location"]).content.decode()
    assert f"Withdrawal wd_{withdrawal.uid} rejected: 0.00100000 BTC returned to" in followed
    assert ledger_audit().ok


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_blank_reason_is_refused(staff, pending, reason):
    withdrawal, wallet = pending
    before = books(withdrawal, wallet)
    response = staff.post(reject_url(withdrawal), {"reason": reason, "confirm": 1})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert books(withdrawal, wallet) == before


# --- once, one at a time --------------------------------------------------------------------
def test_a_second_decision_is_refused_with_a_message(staff, pending):
    withdrawal, wallet = pending
    colleague = signed_in(StaffUserFactory(is_superuser=True))
    # both opened their form while it was pending
    assert staff.get(send_url(withdrawal)).status_code == 200
    assert colleague.get(reject_url(withdrawal)).status_code == 200
    assert staff.post(send_url(withdrawal), {"txid": TXID}).status_code == 302
    after_send = books(withdrawal, wallet)

    response = colleague.post(reject_url(withdrawal), {"reason": "Suspicious"})
    assert response.status_code == 302 and response["Location"] == change_url(withdrawal)
    assert "This withdrawal was already sent" in colleague.get(change_url(withdrawal)).text
    assert books(withdrawal, wallet) == after_send
    assert after_send[0] == "sent" and after_send[3] == 400_000

    response = colleague.post(send_url(withdrawal), {"txid": "ef" * 32})
    assert response["Location"] == change_url(withdrawal)
    # the form is not offered again either
    response = colleague.get(reject_url(withdrawal))
    assert response.status_code == 302 and response["Location"] == change_url(withdrawal)
    assert "This withdrawal was already sent" in colleague.get(change_url(withdrawal)).text
    assert books(withdrawal, wallet) == after_send


def test_the_service_refuses_a_second_decision(superuser, pending):
    withdrawal, _ = pending
    withdrawal_send(withdrawal_id=withdrawal.pk, txid=TXID, staff_user=superuser)
    with pytest.raises(WalletError) as refused:
        withdrawal_send(withdrawal_id=withdrawal.pk, txid="ef" * 32, staff_user=superuser)
    assert refused.value.code == WalletErrorCode.WITHDRAWAL_NOT_PENDING
    withdrawal.refresh_from_db()
    assert withdrawal.txid == TXID


@pytest.mark.parametrize("action", ["mark_sent", "reject"])
def test_exactly_one_pending_withdrawal_at_a_time(staff, superuser, action):
    first, _ = requested(1)
    second, _ = requested(2)
    response = choose(staff, action, first, second)
    assert response.status_code == 302 and response["Location"] == WITHDRAWALS
    message = "Select exactly one pending withdrawal: each is decided on its own."
    assert message in staff.get(WITHDRAWALS).text

    withdrawal_send(withdrawal_id=first.pk, txid=TXID, staff_user=superuser)
    response = choose(staff, action, first)
    assert response["Location"] == WITHDRAWALS
    assert message in staff.get(WITHDRAWALS).text
    first.refresh_from_db()
    assert first.status == "sent"


# --- who may decide -------------------------------------------------------------------------
def test_staff_who_may_only_view_withdrawals_are_offered_no_decision(pending):
    withdrawal, wallet = pending
    viewer = staff_with("view_withdrawal")
    page = viewer.get(WITHDRAWALS)
    assert page.status_code == 200 and f"wd_{withdrawal.uid}" in page.text
    assert "mark_sent" not in page.text and 'value="reject"' not in page.text
    before = books(withdrawal, wallet)
    assert choose(viewer, "mark_sent", withdrawal).status_code == 200  # no such action
    for url in (send_url(withdrawal), reject_url(withdrawal)):
        assert viewer.get(url).status_code == 403
    assert viewer.post(send_url(withdrawal), {"txid": TXID}).status_code == 403
    assert viewer.post(reject_url(withdrawal), {"reason": "No"}).status_code == 403
    assert books(withdrawal, wallet) == before


def test_staff_given_the_permission_may_decide(pending):
    withdrawal, _ = pending
    clerk = staff_with("view_withdrawal", "decide_withdrawal")
    page = clerk.get(WITHDRAWALS).text
    assert 'value="mark_sent"' in page and 'value="reject"' in page
    assert choose(clerk, "mark_sent", withdrawal)["Location"] == send_url(withdrawal)
    assert clerk.post(send_url(withdrawal), {"txid": TXID}).status_code == 302
    withdrawal.refresh_from_db()
    assert (withdrawal.status, withdrawal.decided_by) == ("sent", clerk.user)


def test_the_service_refuses_staff_without_the_permission(pending):
    withdrawal, _ = pending
    viewer = staff_with("view_withdrawal")
    with pytest.raises(WalletError) as refused:
        withdrawal_send(withdrawal_id=withdrawal.pk, txid=TXID, staff_user=viewer.user)
    assert refused.value.code == WalletErrorCode.WITHDRAWAL_DECISION_NOT_ALLOWED
    withdrawal.refresh_from_db()
    assert withdrawal.status == "pending"


# --- the list -------------------------------------------------------------------------------
def test_the_list_puts_pending_first_and_shows_each_decision(staff, superuser):
    oldest, _ = requested(1)
    sent, _ = requested(2)
    newest, _ = requested(3)
    withdrawal_send(withdrawal_id=sent.pk, txid=TXID, staff_user=superuser)
    page = staff.get(WITHDRAWALS).text
    positions = [page.index(f"wd_{w.uid}") for w in (newest, oldest, sent)]
    assert positions == sorted(positions)  # pending (newest first), then the decided ones
    for text in ("0.00100000 BTC", PAYOUT, TXID, superuser.username, "Requested at",
                 "Decided at", "Decided by"):  # fmt: skip
        assert text in page, text

    filtered = staff.get(WITHDRAWALS, {"status__exact": "sent"}).text
    assert f"wd_{sent.uid}" in filtered and f"wd_{oldest.uid}" not in filtered


def test_the_search_finds_a_withdrawal_by_user_address_txid_and_id(staff, superuser):
    first, first_wallet = requested(1, payout=another_address(1))
    second, _ = requested(2, payout=another_address(2))
    withdrawal_send(withdrawal_id=second.pk, txid=TXID, staff_user=superuser)
    for term, found, missed in [
        (first_wallet.user.username, first, second),
        (another_address(2), second, first),
        (TXID, second, first),
        (f"wd_{first.uid}", first, second),
        (f"wd_{second.uid}", second, first),
    ]:
        page = staff.get(WITHDRAWALS, {"q": term}).text
        assert f"wd_{found.uid}" in page, term
        assert f"wd_{missed.uid}" not in page, term


def test_the_changelist_holds_its_query_count_as_withdrawals_grow(
    staff, superuser, django_assert_max_num_queries
):
    def more(start: int, n: int) -> None:
        for i in range(start, start + n):
            withdrawal, _ = requested(i)
            if i % 2:
                withdrawal_send(withdrawal_id=withdrawal.pk, txid=f"{i:064x}", staff_user=superuser)

    more(0, 2)
    with CaptureQueriesContext(connection) as few:
        assert staff.get(WITHDRAWALS).status_code == 200
    more(2, 6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = staff.get(WITHDRAWALS)
    assert page.text.count('class="action-select"') == 8


# --- two staff at once, for real -------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not settings.USES_POSTGRES,
    reason="row locks (SELECT ... FOR UPDATE) are only real on PostgreSQL",
)
def test_two_staff_deciding_at_once_make_one_decision():
    withdrawal, wallet = requested()
    clients = [signed_in(StaffUserFactory(is_superuser=True)) for _ in range(2)]
    posts = [(send_url(withdrawal), {"txid": TXID}), (reject_url(withdrawal), {"reason": "No"})]
    barrier = threading.Barrier(2)
    answers: list = [None, None]

    def decide(i: int) -> None:
        try:
            barrier.wait()
            answers[i] = clients[i].post(*posts[i])["Location"]
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # the winner goes back to the list; the loser to the withdrawal, with the service's error
    assert sorted(answers) == sorted([WITHDRAWALS, change_url(withdrawal)])
    withdrawal.refresh_from_db()
    wallet.refresh_from_db()
    if withdrawal.status == "sent":
        assert wallet.balance_minor == 400_000 and system_balance("chain") == -400_000
    else:
        assert withdrawal.status == "rejected" and wallet.balance_minor == 500_000
    assert system_balance("withdrawals") == 0
    assert LogEntry.objects.count() == 1
    assert ledger_audit().ok
