"""Escrow moves racing each other, with real threads (each its own database connection)
against PostgreSQL row locks: whatever the interleaving, an escrow's money moves once and the
ledger stays exact.

Every escrow move locks the order, then the escrow, then the ledger's accounts; a thread that
arrives second finds the escrow already moved and is refused without touching the money.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from rest_framework.test import APIClient

from escrow.errors import EscrowError, EscrowErrorCode
from escrow.models import HOLDS_MONEY, Escrow
from escrow.services import escrow_fee, escrow_resolve
from orders.locks import order_lock
from orders.models import Order
from support.models import Ticket, TicketStatus
from tests.factories.accounts import StaffUserFactory
from tests.factories.catalog import CryptoShopProductFactory
from tests.helpers.escrow import CODE, balance, create_escrow, dispute, place_order, release
from tests.helpers.orders import fund_btc
from tests.helpers.races import _wait_until_blocked
from wallet.locks import accounts_lock
from wallet.models import Account, LedgerTransaction
from wallet.services import system_account
from wallet.services.audit import ledger_audit

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.USES_POSTGRES,
        reason="row locks (SELECT ... FOR UPDATE) and concurrent connections are PostgreSQL's",
    ),
]

AMOUNT = 250_000  # the product's price: each escrow holds 0.0025 BTC


def in_threads(calls: list[Callable[[], object]]) -> list:
    """Run every call in its own thread, all released together by a barrier; each result,
    or the exception it raised, in the calls' order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = calls[i]()
        except Exception as exc:  # kept for the assertions
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def queued_behind(hold: Callable[[], object], calls: list[Callable[[], object]]) -> list:
    """Run the calls in their own threads while `hold` keeps a row locked, each started once
    the one before waits for a lock: they queue in that order, then the row is freed."""
    results: list = [None] * len(calls)

    def run(i: int) -> None:
        try:
            results[i] = calls[i]()
        except Exception as exc:  # kept for the assertions
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    with transaction.atomic():
        hold()
        for n, t in enumerate(threads, start=1):
            t.start()
            _wait_until_blocked(n)
    for t in threads:
        t.join()
    return results


def own_client(client: APIClient) -> APIClient:
    """A client of the same user for one thread (a test client is not shared across threads)."""
    fresh = APIClient()
    fresh.credentials(**client._credentials)
    return fresh


def holding() -> int:
    account = Account.objects.filter(kind=Account.Kind.ESCROW, currency="BTC").first()
    return account.balance_minor if account else 0


def fees() -> int:
    account = Account.objects.filter(kind=Account.Kind.FEES, currency="BTC").first()
    return account.balance_minor if account else 0


def kinds_of(escrow_id: str) -> list[str]:
    return list(
        LedgerTransaction.objects.filter(reference=escrow_id)
        .order_by("id")
        .values_list("kind", flat=True)
    )


def assert_books() -> None:
    """The escrow holding account holds exactly what the escrows still hold; the audit is clean."""
    held = Escrow.objects.filter(status__in=HOLDS_MONEY).aggregate(s=Sum("amount_minor"))["s"]
    assert holding() == (held or 0)
    report = ledger_audit()
    assert report.ok, report.text()


@pytest.fixture
def stocked(cs_seller):
    """The seller's product, in stock for many orders."""
    return CryptoShopProductFactory(
        shop=cs_seller[2], price_minor=AMOUNT, price_eur_minor=8_999, stock_quantity=1_000
    )


def funded_escrow(client: APIClient, product) -> dict:
    response = create_escrow(client, place_order(client, product))
    assert response.status_code == 201, response.json()
    assert response.json()["data"]["status"] == "FUNDED"
    return response.json()["data"]


# --- the right code, eight times at once ------------------------------------------------------
def test_eight_releases_at_once_pay_the_seller_once(cs_buyer, cs_seller, funded, order):
    clients = [cs_buyer[1], cs_seller[1]] * 4
    responses = in_threads([lambda c=c: release(own_client(c), funded["id"]) for c in clients])
    assert not [r for r in responses if isinstance(r, Exception)], responses
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 7, [r.json() for r in responses]
    [won] = [r.json() for r in responses if r.status_code == 200]
    assert won["data"]["status"] == "RELEASED"
    refused = [r.json() for r in responses if r.status_code == 409]
    assert {body["code"] for body in refused} == {"NOT_RELEASABLE"}

    assert balance(cs_seller[0]) == AMOUNT - escrow_fee(AMOUNT) == 247_500
    assert fees() == 2_500
    assert kinds_of(funded["id"]) == ["escrow_fund", "escrow_release", "fee"]
    assert holding() == 0
    placed = Order.objects.get(uid=order.removeprefix("order_"))
    assert placed.status == "completed"
    assert placed.history.filter(status="completed").count() == 1
    assert Escrow.objects.get().status == "RELEASED"
    assert_books()


# --- release racing dispute -----------------------------------------------------------------
def _release_and_dispute(buyer: APIClient, seller: APIClient, escrow_id: str) -> list:
    """The buyer releases with the right code while the seller disputes."""
    return [
        lambda: release(own_client(buyer), escrow_id),
        lambda: dispute(own_client(seller), escrow_id, "The buyer says it never arrived"),
    ]


def _assert_one_won(escrow_id: str, released, disputed) -> str:
    """Exactly one of the two moved the escrow; the other was refused and moved nothing."""
    escrow = Escrow.objects.get(uid=escrow_id.removeprefix("escrow_"))
    codes = (released.status_code, disputed.status_code)
    if escrow.status == "RELEASED":
        assert codes == (200, 409), (released.json(), disputed.json())
        assert disputed.json()["code"] == "NOT_DISPUTABLE"
        assert kinds_of(escrow_id) == ["escrow_fund", "escrow_release", "fee"]
        assert not escrow.dispute_raised and escrow.ticket_id is None
        # the dispute's ticket was opened before the escrow was locked: it says the escrow
        # was settled, and is closed
        tickets = Ticket.objects.filter(subject__contains=escrow_id)
        assert [t.status for t in tickets] in ([], [TicketStatus.CLOSED])
    else:
        assert escrow.status == "DISPUTED"
        assert codes == (409, 200), (released.json(), disputed.json())
        assert released.json()["code"] == "NOT_RELEASABLE"
        assert kinds_of(escrow_id) == ["escrow_fund"]
        assert escrow.ticket.status == TicketStatus.OPEN
        assert Ticket.objects.filter(subject__contains=escrow_id).count() == 1
    return escrow.status


def test_release_racing_a_dispute_lets_exactly_one_win(cs_buyer, cs_seller, stocked):
    buyer, seller = cs_buyer[1], cs_seller[1]
    fund_btc(cs_buyer[0], 5 * AMOUNT)
    outcomes = []
    for _ in range(5):
        escrow_id = funded_escrow(buyer, stocked)["id"]
        released, disputed = in_threads(_release_and_dispute(buyer, seller, escrow_id))
        outcomes.append(_assert_one_won(escrow_id, released, disputed))
        assert_books()
    print("release vs dispute:", outcomes)
    released = outcomes.count("RELEASED")
    assert balance(cs_seller[0]) == released * (AMOUNT - escrow_fee(AMOUNT))
    assert holding() == outcomes.count("DISPUTED") * AMOUNT


@pytest.mark.parametrize("first", ["release", "dispute"])
def test_release_and_dispute_queued_on_the_order_settle_in_lock_order(
    cs_buyer, cs_seller, stocked, first
):
    """The same race with its order forced: both wait on the order's row lock (the dispute's
    ticket already opened), and the first in the queue wins."""
    fund_btc(cs_buyer[0], AMOUNT)
    escrow_id = funded_escrow(cs_buyer[1], stocked)["id"]
    escrow = Escrow.objects.get(uid=escrow_id.removeprefix("escrow_"))
    calls = _release_and_dispute(cs_buyer[1], cs_seller[1], escrow_id)
    if first == "release":
        released, disputed = queued_behind(lambda: order_lock(escrow.order_id), calls)
    else:
        disputed, released = queued_behind(lambda: order_lock(escrow.order_id), calls[::-1])
    status = _assert_one_won(escrow_id, released, disputed)
    assert status == {"release": "RELEASED", "dispute": "DISPUTED"}[first]
    # the loser of a dispute still finds its ticket: one, closed when the release won
    [ticket] = Ticket.objects.filter(subject__contains=escrow_id)
    assert ticket.status == (TicketStatus.CLOSED if first == "release" else TicketStatus.OPEN)
    assert_books()


# --- two staff settling one dispute ---------------------------------------------------------
RESOLUTIONS = {
    Escrow.Resolution.RELEASE: (["escrow_fund", "escrow_release", "fee"], "RELEASED"),
    Escrow.Resolution.REFUND: (["escrow_fund", "escrow_refund"], "REFUNDED"),
    Escrow.Resolution.SPLIT: (["escrow_fund", "escrow_release", "fee", "escrow_refund"], "SPLIT"),
}


@pytest.mark.parametrize(
    "actions",
    [
        (Escrow.Resolution.RELEASE, Escrow.Resolution.REFUND),
        (Escrow.Resolution.SPLIT, Escrow.Resolution.REFUND),
        (Escrow.Resolution.RELEASE, Escrow.Resolution.RELEASE),
    ],
    ids=lambda a: "-".join(a),
)
def test_two_staff_settling_one_dispute_at_once_settle_it_once(
    cs_buyer, cs_seller, funded, actions
):
    assert dispute(cs_buyer[1], funded["id"]).status_code == 200
    escrow = Escrow.objects.get()
    staff = [StaffUserFactory(is_superuser=True) for _ in actions]

    def settle(action: Escrow.Resolution, user) -> Callable[[], Escrow]:
        return lambda: escrow_resolve(
            escrow_id=escrow.pk, action=action, staff_user=user,
            reason=f"Decided by {user.username}", seller_amount_minor=AMOUNT // 2,
        )  # fmt: skip

    results = in_threads([settle(a, u) for a, u in zip(actions, staff, strict=True)])
    won = [i for i, r in enumerate(results) if isinstance(r, Escrow)]
    lost = [r for r in results if not isinstance(r, Escrow)]
    assert len(won) == 1, results
    [error] = lost
    assert isinstance(error, EscrowError) and error.code == EscrowErrorCode.NOT_RESOLVABLE, error
    winner = won[0]
    kinds, status = RESOLUTIONS[actions[winner]]

    escrow.refresh_from_db()
    assert (escrow.status, escrow.resolution) == (status, actions[winner])
    assert escrow.resolved_by == staff[winner]
    assert kinds_of(funded["id"]) == kinds
    assert holding() == 0
    ticket = escrow.ticket
    assert ticket.status == TicketStatus.CLOSED
    # one answer from support on the ticket: the winner's
    assert list(ticket.messages.filter(is_staff=True).values_list("author", flat=True)) == [
        staff[winner].pk
    ]
    seller_gross = {"release": AMOUNT, "refund": 0, "split": AMOUNT // 2}[actions[winner]]
    assert balance(cs_seller[0]) == seller_gross - escrow_fee(seller_gross)
    assert balance(cs_buyer[0]) == 1_000_000 - seller_gross
    assert_books()


def test_a_split_and_the_buyers_next_escrow_funded_at_once_do_not_deadlock(
    cs_buyer, cs_seller, stocked
):
    """A split moves money three times (escrow holding → seller, the fee, escrow holding →
    buyer) while the buyer funds another escrow (buyer → escrow holding). The buyer's wallet
    is older than the escrow holding account (a smaller pk). The split is made to wait for
    the fees account once it holds the escrow holding account, and the funding to start then:
    every account a payout touches must be locked at once, in pk order, or the two wait on
    each other (the split for the buyer's wallet, the funding for the holding account)."""
    user, client = cs_buyer
    fund_btc(user, 2 * AMOUNT)
    split_id = funded_escrow(client, stocked)["id"]
    assert dispute(client, split_id).status_code == 200
    next_order = place_order(client, stocked)
    fees_account = system_account(Account.Kind.FEES, "BTC")
    wallet = Account.objects.get(user=user, currency="BTC")
    assert wallet.pk < Account.objects.get(kind=Account.Kind.ESCROW).pk < fees_account.pk
    escrow = Escrow.objects.get(uid=split_id.removeprefix("escrow_"))
    staff = StaffUserFactory(is_superuser=True)

    def split() -> Escrow:
        return escrow_resolve(
            escrow_id=escrow.pk, action=Escrow.Resolution.SPLIT, staff_user=staff,
            reason="Half delivered", seller_amount_minor=AMOUNT // 2,
        )  # fmt: skip

    def fund_next():
        return create_escrow(own_client(client), next_order)

    split_done, funding = queued_behind(
        lambda: accounts_lock([fees_account.pk]), [split, fund_next]
    )
    assert isinstance(split_done, Escrow) and split_done.status == "SPLIT", split_done
    assert not isinstance(funding, Exception), funding
    assert funding.status_code == 201 and funding.json()["data"]["status"] == "FUNDED"
    half = AMOUNT // 2
    assert balance(user) == 2 * AMOUNT - 2 * AMOUNT + half
    assert balance(cs_seller[0]) == half - escrow_fee(half)
    assert holding() == AMOUNT
    assert_books()


# --- wrong codes at once --------------------------------------------------------------------
def test_eight_wrong_codes_at_once_lock_the_escrow_after_five(cs_buyer, cs_seller, funded):
    """Wrong codes are counted under the escrow's lock: the fifth locks it, and a try that
    finds it locked is answered 423 without being counted. Eight at once count five."""
    clients = [cs_buyer[1], cs_seller[1]] * 4
    responses = in_threads(
        [lambda c=c: release(own_client(c), funded["id"], code="wrong-code") for c in clients]
    )
    assert not [r for r in responses if isinstance(r, Exception)], responses
    bodies = [r.json() for r in responses]
    assert sorted(r.status_code for r in responses) == [400] * 5 + [423] * 3, bodies
    wrong = sorted(b["error"] for b in bodies if b["code"] == "RELEASE_CODE_INVALID")
    assert wrong == sorted(
        [f"Wrong release code ({left} tries left)" for left in (4, 3, 2, 1)]
        + ["Wrong release code: the escrow is now locked and support will settle it"]
    )
    assert [b["code"] for b in bodies].count("ESCROW_LOCKED") == 3

    escrow = Escrow.objects.get()
    assert escrow.wrong_code_attempts == 5 and escrow.locked_at is not None
    assert escrow.status == "FUNDED"
    right = release(cs_buyer[1], funded["id"], code=CODE)
    assert right.status_code == 423 and right.json()["code"] == "ESCROW_LOCKED"
    escrow.refresh_from_db()
    assert escrow.wrong_code_attempts == 5 and escrow.status == "FUNDED"
    assert kinds_of(funded["id"]) == ["escrow_fund"]
    assert holding() == AMOUNT and balance(cs_seller[0]) == 0
    assert_books()
