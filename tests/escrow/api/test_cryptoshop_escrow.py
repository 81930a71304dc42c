"""CryptoShop "Escrow Endpoints" through HTTP: every move, and every move refused."""

from __future__ import annotations

import bcrypt
import pytest
from django.utils import timezone

from escrow.models import Escrow
from escrow.services import escrow_fee, escrows_auto_release
from notifications.models import OutboxEvent
from orders.models import Order
from support.models import Ticket
from tests.conftest import CRYPTOSHOP
from tests.factories.catalog import CryptoShopProductFactory
from tests.helpers.cryptoshop import client_with
from tests.helpers.escrow import (
    CODE,
    balance,
    confirm,
    create_escrow,
    dispute,
    place_order,
    release,
)
from tests.helpers.orders import cryptoshop_account, fund_btc
from wallet.models import Account, LedgerTransaction

pytestmark = pytest.mark.django_db


# --- create ---------------------------------------------------------------------------------
def test_create_funds_the_escrow_at_once_when_the_balance_covers_it(cs_buyer, cs_seller, order):
    user, client = cs_buyer
    fund_btc(user, 1_000_000)
    response = create_escrow(client, order)
    assert response.status_code == 201
    data = response.json()["data"]
    assert set(data) == {"id", "orderId", "userId", "amountBtc", "amountEur", "status",
                         "releaseCode", "disputeRaised", "disputeResolved", "createdAt",
                         "participants"}  # fmt: skip
    assert data["orderId"] == order and data["userId"] == f"user_{user.uid}"
    assert (data["amountBtc"], data["amountEur"], data["status"]) == (0.0025, 89.99, "FUNDED")
    # the bcrypt hash, as the document shows it; never the code itself
    assert data["releaseCode"].startswith("$2") and CODE not in response.content.decode()
    assert bcrypt.checkpw(CODE.encode(), data["releaseCode"].encode())
    roles = {p["role"]: p for p in data["participants"]}
    assert roles["BUYER"]["agreedAt"] and roles["SELLER"]["agreedAt"] is None
    assert roles["SELLER"]["userId"] == f"user_{cs_seller[0].uid}"
    assert balance(user) == 750_000
    assert Account.objects.get(kind="escrow", currency="BTC").balance_minor == 250_000
    o = client.get(f"{CRYPTOSHOP}/orders/{order}").json()["data"]
    assert (o["status"], o["paymentConfirmed"]) == ("PAID", True)
    funding = LedgerTransaction.objects.get(kind="escrow_fund")
    assert o["paymentHash"] == f"tx_{funding.uid}"
    assert o["escrowTransaction"] == {"id": data["id"], "status": "FUNDED", "amountBtc": 0.0025}


def test_create_waits_pending_and_the_deposit_that_covers_it_funds_it(
    cs_buyer, order, django_capture_on_commit_callbacks
):
    user, client = cs_buyer
    fund_btc(user, 100_000)  # not enough
    data = create_escrow(client, order).json()["data"]
    assert data["status"] == "PENDING" and balance(user) == 100_000
    assert Order.objects.get().status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        fund_btc(user, 200_000)
    escrow = Escrow.objects.get()
    assert escrow.status == "FUNDED" and balance(user) == 50_000
    assert Order.objects.get().status == "paid"


def test_a_second_escrow_for_the_order_answers_409(cs_buyer, funded, order):
    response = create_escrow(cs_buyer[1], order)
    assert response.status_code == 409 and response.json()["code"] == "ESCROW_EXISTS"
    assert Escrow.objects.count() == 1


def test_the_seller_cannot_create_the_escrow(cs_seller, order):
    response = create_escrow(cs_seller[1], order)
    assert response.status_code == 403
    assert not Escrow.objects.exists()


def test_a_stranger_or_unknown_order_is_404(order):
    _, stranger = cryptoshop_account()
    assert create_escrow(stranger, order).status_code == 404
    assert create_escrow(stranger, "order_nosuchorder1").status_code == 404
    assert create_escrow(stranger, "bogus").status_code == 404


@pytest.mark.parametrize(
    "body",
    [{}, {"orderId": "order_x"}, {"releaseCode": CODE},
     {"orderId": "order_x", "releaseCode": "abc"},
     {"orderId": "order_x", "releaseCode": "x" * 65}],
)  # fmt: skip
def test_bad_create_bodies_answer_400(cs_buyer, order, body):
    body = {**body, "orderId": order} if "orderId" in body else body
    response = cs_buyer[1].post(f"{CRYPTOSHOP}/escrow", body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["success"] is False
    assert not Escrow.objects.exists()


def test_an_order_that_costs_nothing_is_refused_with_409_not_a_500(cs_buyer, cs_seller):
    """Prices must be more than zero now; a product priced 0 before that could still be
    ordered, and its escrow broke the escrow's amount check (500)."""
    product = CryptoShopProductFactory(shop=cs_seller[2], price_minor=0, price_eur_minor=0)
    free_order = place_order(cs_buyer[1], product)
    fund_btc(cs_buyer[0], 1_000)
    response = create_escrow(cs_buyer[1], free_order)
    assert response.status_code == 409, response.json()
    assert response.json()["success"] is False
    assert response.json()["code"] == "ORDER_NOT_PAYABLE"
    assert response.json()["error"] == "An order that costs nothing has nothing to hold"
    assert not Escrow.objects.exists()


# --- read -------------------------------------------------------------------------------------
def test_get_shows_the_documented_nested_order_and_participants(cs_buyer, cs_seller, funded):
    for client in (cs_buyer[1], cs_seller[1]):
        response = client.get(f"{CRYPTOSHOP}/escrow/{funded['id']}")
        assert response.status_code == 200
        data = response.json()["data"]
        assert data["releaseCode"] is None  # never again after creation
        assert data["fundedAt"] and data["confirmedAt"] is None
        assert data["order"]["buyer"] == {"username": cs_buyer[0].username, "avatar": None}
        [item] = data["order"]["orderItems"]
        assert item["product"]["name"] == "Premium VPN Subscription"
        assert item["product"]["seller"]["name"] == "SecureNet"
        assert item["product"]["seller"]["user"]["username"] == cs_seller[0].username
        assert [p["role"] for p in data["participants"]] == ["BUYER", "SELLER"]
        assert data["participants"][0]["user"]["username"] == cs_buyer[0].username


def test_others_get_404(funded):
    _, stranger = cryptoshop_account()
    assert stranger.get(f"{CRYPTOSHOP}/escrow/{funded['id']}").status_code == 404
    assert release(stranger, funded["id"]).status_code == 404
    assert dispute(stranger, funded["id"]).status_code == 404
    assert stranger.get(f"{CRYPTOSHOP}/escrow").json()["data"] == []


def test_list_is_the_participants_own_with_status_and_user_filters(cs_buyer, cs_seller, funded):
    user, client = cs_buyer
    body = client.get(f"{CRYPTOSHOP}/escrow").json()
    assert [e["id"] for e in body["data"]] == [funded["id"]]
    assert body["pagination"] == {"page": 1, "limit": 12, "total": 1, "pages": 1}
    assert client.get(f"{CRYPTOSHOP}/escrow", {"status": "FUNDED"}).json()["data"]
    assert client.get(f"{CRYPTOSHOP}/escrow", {"status": "RELEASED"}).json()["data"] == []
    assert client.get(f"{CRYPTOSHOP}/escrow", {"status": "LOST"}).status_code == 400
    assert (
        len(client.get(f"{CRYPTOSHOP}/escrow", {"userId": f"user_{user.uid}"}).json()["data"]) == 1
    )
    other = client.get(f"{CRYPTOSHOP}/escrow", {"userId": f"user_{cs_seller[0].uid}"})
    assert other.status_code == 403
    assert len(cs_seller[1].get(f"{CRYPTOSHOP}/escrow").json()["data"]) == 1


def test_the_list_costs_the_same_queries_however_long(
    cs_buyer, cs_product, django_assert_max_num_queries
):
    user, client = cs_buyer
    fund_btc(user, 10_000_000)
    for _ in range(4):
        create_escrow(client, place_order(client, cs_product))
    with django_assert_max_num_queries(10):
        response = client.get(f"{CRYPTOSHOP}/escrow")
    assert len(response.json()["data"]) == 4


def test_escrow_needs_a_token(api):
    assert api.get(f"{CRYPTOSHOP}/escrow").status_code == 401
    assert api.post(f"{CRYPTOSHOP}/escrow", {}).status_code == 401


# --- confirm and release -------------------------------------------------------------------
def test_the_seller_confirms_then_the_buyer_releases_less_the_fee(
    cs_buyer, cs_seller, funded, order
):
    r = confirm(cs_seller[1], order)
    assert r.status_code == 200, r.json()
    escrow = Escrow.objects.get()
    assert escrow.status == "CONFIRMED" and escrow.confirmed_at
    seller_part = escrow.participants.get(role="SELLER")
    assert seller_part.agreed_at is not None
    r = release(cs_buyer[1], funded["id"])
    assert r.status_code == 200, r.json()
    assert r.json()["data"]["status"] == "RELEASED" and r.json()["data"]["releasedAt"]
    assert escrow_fee(250_000) == 2_500
    assert balance(cs_seller[0]) == 247_500
    assert Account.objects.get(kind="fees", currency="BTC").balance_minor == 2_500
    assert Account.objects.get(kind="escrow", currency="BTC").balance_minor == 0
    assert Order.objects.get().status == "completed"
    kinds = list(
        LedgerTransaction.objects.filter(reference=funded["id"])
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["escrow_fund", "escrow_release", "fee"]
    # the seller's wallet shows the release and the fee as two lines
    view = cs_seller[1].get(f"{CRYPTOSHOP}/wallet").json()["data"]
    assert [t["type"] for t in view["transactions"]] == ["FEE", "ESCROW_RELEASE"]


def test_the_fee_is_rounded_in_the_platforms_disfavour(settings):
    settings.ESCROW_FEE_PERCENT = "1"
    assert escrow_fee(199) == 1 and escrow_fee(99) == 0
    settings.ESCROW_FEE_PERCENT = "2.5"
    assert escrow_fee(1_000_001) == 25_000


def test_the_seller_may_release_with_the_code_too(cs_seller, funded):
    assert release(cs_seller[1], funded["id"]).status_code == 200


def test_released_escrows_never_move_again(cs_buyer, funded):
    assert release(cs_buyer[1], funded["id"]).status_code == 200
    again = release(cs_buyer[1], funded["id"])
    assert again.status_code == 409 and again.json()["code"] == "NOT_RELEASABLE"
    assert dispute(cs_buyer[1], funded["id"]).status_code == 409
    assert LedgerTransaction.objects.filter(kind="escrow_release").count() == 1


def test_a_pending_escrow_cannot_be_released(cs_buyer, order):
    data = create_escrow(cs_buyer[1], order).json()["data"]
    r = release(cs_buyer[1], data["id"])
    assert r.status_code == 409 and "not funded" in r.json()["error"]


def test_a_wrong_code_changes_nothing_and_five_lock_the_escrow(cs_buyer, funded):
    for left in (4, 3, 2, 1):
        r = release(cs_buyer[1], funded["id"], code="wrong-code")
        assert r.status_code == 400 and r.json()["code"] == "RELEASE_CODE_INVALID"
        assert f"{left} tries left" in r.json()["error"]
    r = release(cs_buyer[1], funded["id"], code="wrong-code")
    assert r.status_code == 400 and "locked" in r.json()["error"]
    locked = release(cs_buyer[1], funded["id"])  # even the right code now
    assert locked.status_code == 423 and locked.json()["code"] == "ESCROW_LOCKED"
    escrow = Escrow.objects.get()
    assert escrow.status == "FUNDED" and escrow.locked_at and escrow.wrong_code_attempts == 5
    assert Account.objects.get(kind="escrow", currency="BTC").balance_minor == 250_000
    assert cs_buyer[1].get(f"{CRYPTOSHOP}/escrow/{funded['id']}").json()["data"]["locked"] is True


# --- disputes -----------------------------------------------------------------------------
def test_a_dispute_stops_the_release_and_opens_a_ticket_for_both(cs_buyer, cs_seller, funded):
    r = dispute(cs_buyer[1], funded["id"], "Product not as described")
    assert r.status_code == 200, r.json()
    assert r.json()["data"] == {
        "id": funded["id"], "status": "DISPUTED", "disputeRaised": True,
        "disputeReason": "Product not as described", "updatedAt": r.json()["data"]["updatedAt"],
    }  # fmt: skip
    r = release(cs_buyer[1], funded["id"])
    assert r.status_code == 409 and "disputed" in r.json()["error"]
    ticket = Ticket.objects.get()
    assert Escrow.objects.get().ticket == ticket
    # both parties see the ticket and post evidence on it
    for client in (cs_buyer[1], cs_seller[1]):
        tickets = client.get(f"{CRYPTOSHOP}/support").json()["data"]
        assert [t["id"] for t in tickets] == [f"ticket_{ticket.uid}"]
    r = cs_seller[1].post(
        f"{CRYPTOSHOP}/support/ticket_{ticket.uid}/messages",
        {"content": "It was delivered as described: see the logs"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert ticket.messages.count() == 2
    assert dispute(cs_seller[1], funded["id"]).status_code == 409  # already disputed


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001])
def test_a_dispute_needs_a_reason(cs_buyer, funded, reason):
    r = dispute(cs_buyer[1], funded["id"], reason)
    assert r.status_code == 400
    assert Escrow.objects.get().status == "FUNDED" and not Ticket.objects.exists()


def test_a_pending_escrow_cannot_be_disputed(cs_buyer, order):
    data = create_escrow(cs_buyer[1], order).json()["data"]
    assert dispute(cs_buyer[1], data["id"]).status_code == 409


# --- orders and escrow --------------------------------------------------------------------
def test_cancelling_a_funded_order_refunds_the_escrow(cs_buyer, funded, order, cs_product):
    r = cs_buyer[1].put(f"{CRYPTOSHOP}/orders/{order}", {"status": "CANCELLED"}, format="json")
    assert r.status_code == 200, r.json()
    assert Escrow.objects.get().status == "REFUNDED"
    assert balance(cs_buyer[0]) == 1_000_000
    assert Order.objects.get().status == "refunded"
    cs_product.refresh_from_db()
    assert cs_product.stock_quantity == 5


def test_once_confirmed_the_buyer_cannot_cancel_but_can_dispute(cs_buyer, cs_seller, funded, order):
    confirm(cs_seller[1], order)
    r = cs_buyer[1].put(f"{CRYPTOSHOP}/orders/{order}", {"status": "CANCELLED"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "HELD_IN_ESCROW"
    assert Escrow.objects.get().status == "CONFIRMED"
    assert Order.objects.get().status == "processing"
    assert dispute(cs_buyer[1], funded["id"]).status_code == 200


def test_an_expired_unpaid_order_cancels_its_pending_escrow(cs_buyer, order):
    from orders.services.status import orders_expire_unpaid

    create_escrow(cs_buyer[1], order)
    Order.objects.update(expires_at=timezone.now())
    assert orders_expire_unpaid() == 1
    assert Escrow.objects.get().status == "CANCELLED"


def test_a_confirmed_escrow_is_released_automatically_after_the_days(
    cs_buyer, cs_seller, funded, order, settings
):
    from datetime import timedelta

    confirm(cs_seller[1], order)
    settings.ESCROW_AUTO_RELEASE_DAYS = 14
    Escrow.objects.update(confirmed_at=timezone.now() - timedelta(days=13, hours=1))
    assert escrows_auto_release() == 0
    assert Escrow.objects.get().reminder_sent_at is not None  # the buyer was reminded
    Escrow.objects.update(confirmed_at=timezone.now() - timedelta(days=14, minutes=1))
    assert escrows_auto_release() == 1
    assert Escrow.objects.get().status == "RELEASED"
    assert balance(cs_seller[0]) == 247_500
    assert Order.objects.get().status == "completed"


def test_events_tell_both_parties(cs_buyer, cs_seller, funded):
    names = sorted(
        OutboxEvent.objects.filter(name__startswith="escrow.").values_list("name", "user_id")
    )
    assert names == sorted([
        ("escrow.created", cs_buyer[0].pk), ("escrow.created", cs_seller[0].pk),
        ("escrow.funded", cs_buyer[0].pk), ("escrow.funded", cs_seller[0].pk),
    ])  # fmt: skip
    event = OutboxEvent.objects.filter(name="escrow.funded", user_id=cs_buyer[0].pk).get()
    assert event.data["id"] == funded["id"] and event.data["status"] == "FUNDED"
    assert event.notification["type"] == "ESCROW_UPDATE"


def test_the_2fa_gate_holds_for_escrow(cs_two_factor):
    bare = client_with(cs_two_factor["access_token"])
    assert bare.get(f"{CRYPTOSHOP}/escrow").json()["code"] == "TWO_FACTOR_REQUIRED"
