"""Techaven section 8 (Wallet) and wallet payments of orders, through HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.models import Product
from notifications.models import OutboxEvent
from orders.models import CartItem, Order
from tests.conftest import TECHAVEN, techaven_client
from tests.factories.accounts import TechavenUserFactory
from tests.helpers.orders import add_to_cart
from tests.helpers.payments import signed_callback
from tests.helpers.wallet import fund, pay_with_wallet, topup
from wallet.models import Account, Entry, LedgerTransaction, PaymentAttempt
from wallet.services import payments_reconcile_pending, topups_expire

pytestmark = pytest.mark.django_db


def balance(client) -> dict:
    response = client.get(f"{TECHAVEN}/wallet")
    assert response.status_code == 200, response.json()
    return response.json()["data"]


def sandbox_click(payment_url: str, decision: str):
    return Client().post("/pay/" + payment_url.split("/pay/", 1)[1], {"decision": decision})


# --- 8.1 balance -------------------------------------------------------------------------
def test_a_new_wallet_shows_zero_in_the_documented_shape(buyer_client):
    response = buyer_client.get(f"{TECHAVEN}/wallet")
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Wallet retrieved",
        "data": {"balance": 0, "currency": "MWK", "formatted_balance": "MK 0"},
    }


def test_the_wallet_exists_from_sign_up():
    response = APIClient().post(
        f"{TECHAVEN}/auth/register",
        {"full_name": "Jane Banda", "email": "jane@example.mw", "password": "secret123",
         "confirm_password": "secret123", "phone": "+265991234567"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    wallet = Account.objects.get(user__email="jane@example.mw")
    assert (wallet.kind, wallet.currency, wallet.balance_minor) == ("wallet", "MWK", 0)


def test_the_balance_is_formatted_with_thousands(buyer_client, buyer):
    fund(buyer, 50_000)
    assert balance(buyer_client) == {
        "balance": 50_000,
        "currency": "MWK",
        "formatted_balance": "MK 50,000",
    }


@pytest.mark.parametrize("path", ["wallet", "wallet/transactions"])
def test_the_wallet_needs_sign_in(path):
    response = APIClient().get(f"{TECHAVEN}/{path}")
    assert response.status_code == 401
    assert response.json()["success"] is False and "errors" in response.json()


def test_a_cryptoshop_token_is_refused(cs_buyer):
    _, client = cs_buyer
    assert client.get(f"{TECHAVEN}/wallet").status_code == 401


# --- 8.3 top-up --------------------------------------------------------------------------
def test_a_top_up_answers_pending_and_credits_nothing_until_approved(buyer_client, buyer):
    response = topup(buyer_client, 10_000)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["message"] == "Top up initiated"
    data = body["data"]
    assert set(data) == {"transaction_id", "amount", "status", "payment_url"}
    assert data["transaction_id"].startswith("txn_")
    assert (data["amount"], data["status"]) == (10_000, "pending")
    assert "/pay/sandbox/" in data["payment_url"]
    assert balance(buyer_client)["balance"] == 0

    page = Client().get("/pay/" + data["payment_url"].split("/pay/", 1)[1])
    assert page.status_code == 200 and b"Wallet top-up" in page.content
    assert sandbox_click(data["payment_url"], "approve").status_code == 200
    assert balance(buyer_client) == {
        "balance": 10_000,
        "currency": "MWK",
        "formatted_balance": "MK 10,000",
    }
    [txn] = buyer_client.get(f"{TECHAVEN}/wallet/transactions").json()["data"]["transactions"]
    assert txn["id"] == data["transaction_id"]  # the top-up keeps its id once credited
    assert (txn["type"], txn["amount"], txn["balance_after"]) == ("credit", 10_000, 10_000)
    assert txn["description"] == "Wallet top-up via Airtel Money"
    event = OutboxEvent.objects.get(user_id=buyer.pk, name="wallet.topup")
    assert event.notification["body"] == "Wallet topped up with MK 10,000"


def test_the_provider_follows_from_the_number(buyer_client):
    topup(buyer_client, 5_000, phone="0881234567")
    assert PaymentAttempt.objects.get(kind="topup").provider == "tnm_mpamba"
    assert PaymentAttempt.objects.get(kind="topup").payer_phone == "+265881234567"


def test_a_declined_top_up_is_never_credited(buyer_client):
    data = topup(buyer_client, 10_000).json()["data"]
    sandbox_click(data["payment_url"], "decline")
    sandbox_click(data["payment_url"], "approve")  # the first decision stands
    assert balance(buyer_client)["balance"] == 0
    assert not LedgerTransaction.objects.exists()


def test_a_replayed_callback_credits_once(buyer_client):
    data = topup(buyer_client, 10_000).json()["data"]
    reference = PaymentAttempt.objects.get(kind="topup").reference
    sandbox_click(data["payment_url"], "approve")
    for _ in range(3):
        response = signed_callback(reference, succeeded=True)
        assert response.status_code == 200 and response.json()["replayed"] is True
    assert balance(buyer_client)["balance"] == 10_000
    assert LedgerTransaction.objects.filter(kind="topup").count() == 1


def test_an_expired_top_up_is_never_credited_and_late_money_goes_back(buyer_client, callbacks_lost):
    data = topup(buyer_client, 10_000).json()["data"]
    PaymentAttempt.objects.update(created_at=timezone.now() - timedelta(hours=2))
    assert topups_expire() == 1
    attempt = PaymentAttempt.objects.get(kind="topup")
    assert (attempt.status, attempt.settled_by) == ("failed", "expiry")
    # the buyer approves anyway and the provider's callback arrives late
    assert signed_callback(attempt.reference, succeeded=True).json()["replayed"] is True
    assert balance(buyer_client)["balance"] == 0
    assert PaymentAttempt.objects.filter(kind="refund", refund_of=attempt).count() == 1
    signed_callback(attempt.reference, succeeded=True)
    assert PaymentAttempt.objects.filter(kind="refund", refund_of=attempt).count() == 1
    assert data["status"] == "pending"


def test_expiry_asks_the_provider_first(buyer_client, callbacks_lost):
    data = topup(buyer_client, 10_000).json()["data"]
    sandbox_click(data["payment_url"], "approve")  # the callback is lost on the way
    assert balance(buyer_client)["balance"] == 0
    PaymentAttempt.objects.update(created_at=timezone.now() - timedelta(hours=2))
    assert topups_expire() == 0
    assert balance(buyer_client)["balance"] == 10_000


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": -500}, "amount"),
        ({"amount": "ten"}, "amount"),
        ({"amount": 10.5}, "amount"),
        ({"amount": None}, "amount"),
        ({"amount": 99}, "amount"),  # below WALLET_TOPUP_MIN
        ({"amount": 2_000_001}, "amount"),  # above WALLET_TOPUP_MAX
        ({"phone_number": "12345"}, "phone_number"),
        ({"phone_number": "+265771234567"}, "phone_number"),  # GAIN: no mobile money
        ({"phone_number": "+265971234567"}, "phone_number"),  # not allocated
        ({"phone_number": ""}, "phone_number"),
        ({"payment_method": "card"}, "payment_method"),
    ],
)
def test_bad_top_ups_answer_400_naming_the_field_and_change_nothing(buyer_client, body, field):
    request = {"amount": 10_000, "payment_method": "mobile_money",
               "phone_number": "+265991234567", **body}  # fmt: skip
    response = buyer_client.post(f"{TECHAVEN}/wallet/topup", request, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["success"] is False
    assert field in response.json()["errors"]
    assert not PaymentAttempt.objects.exists()


def test_top_up_limits_are_configurable(buyer_client, settings):
    settings.WALLET_TOPUP_MIN = 1_000
    response = topup(buyer_client, 500)
    assert response.status_code == 400
    assert response.json()["errors"]["amount"] == [
        "Amount must be between MK 1,000 and MK 2,000,000"
    ]


# --- 8.2 transactions --------------------------------------------------------------------
@pytest.fixture
def statement(buyer_client, buyer, address, product):
    """A wallet with two top-ups, a payment and a refund."""
    fund(buyer, 1_000_000)
    fund(buyer, 2_000_000, phone="0881234567")
    add_to_cart(buyer_client, product, 1)
    order = pay_with_wallet(buyer_client, address).json()["data"]
    buyer_client.post(
        f"{TECHAVEN}/orders/{order['order_id']}/cancel", {"reason": "Changed my mind"}
    )
    return order


def test_transactions_are_newest_first_with_the_documented_fields(buyer_client, statement):
    response = buyer_client.get(f"{TECHAVEN}/wallet/transactions")
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Transactions retrieved"
    txns = body["data"]["transactions"]
    number = Order.objects.get().number
    assert [(t["type"], t["amount"], t["balance_after"], t["description"]) for t in txns] == [
        ("credit", 1_304_000, 3_000_000, f"Refund for order {number}"),
        ("debit", 1_304_000, 1_696_000, f"Payment for order {number}"),
        ("credit", 2_000_000, 3_000_000, "Wallet top-up via TNM Mpamba"),
        ("credit", 1_000_000, 1_000_000, "Wallet top-up via Airtel Money"),
    ]
    assert txns[0]["reference"] == statement["order_id"]
    assert set(txns[0]) == {"id", "type", "amount", "currency", "description", "reference",
                            "balance_after", "created_at"}  # fmt: skip
    assert all(t["id"].startswith("txn_") and t["currency"] == "MWK" for t in txns)
    assert body["data"]["pagination"]["total_items"] == 4


@pytest.mark.parametrize(("kind", "count"), [("credit", 3), ("debit", 1)])
def test_transactions_filter_by_type(buyer_client, statement, kind, count):
    txns = buyer_client.get(f"{TECHAVEN}/wallet/transactions", {"type": kind}).json()["data"]
    assert len(txns["transactions"]) == count
    assert {t["type"] for t in txns["transactions"]} == {kind}


@pytest.mark.parametrize("params", [{"type": "refund"}, {"page": "0"}, {"limit": "x"}])
def test_bad_transaction_queries_answer_400(buyer_client, params):
    response = buyer_client.get(f"{TECHAVEN}/wallet/transactions", params)
    assert response.status_code == 400
    assert response.json()["success"] is False


def test_transactions_paginate(buyer_client, statement):
    page = buyer_client.get(f"{TECHAVEN}/wallet/transactions", {"limit": 3, "page": 2}).json()[
        "data"
    ]
    assert len(page["transactions"]) == 1
    assert page["pagination"]["current_page"] == 2 and page["pagination"]["total_pages"] == 2


def test_another_users_statement_is_never_shown(buyer_client, statement):
    other = techaven_client(TechavenUserFactory())
    assert other.get(f"{TECHAVEN}/wallet/transactions").json()["data"]["transactions"] == []
    assert balance(other)["balance"] == 0


def test_the_statement_costs_the_same_queries_however_long(
    buyer_client, buyer, django_assert_max_num_queries
):
    for _ in range(12):
        fund(buyer, 1_000)
    with django_assert_max_num_queries(8):
        response = buyer_client.get(f"{TECHAVEN}/wallet/transactions", {"limit": 50})
    assert len(response.json()["data"]["transactions"]) == 12


# --- paying orders from the wallet --------------------------------------------------------
def test_an_order_paid_from_the_wallet_is_paid_at_once(buyer_client, buyer, address, product):
    fund(buyer, 2_000_000)
    add_to_cart(buyer_client, product, 1)
    response = pay_with_wallet(buyer_client, address)
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["payment_url"] is None and data["total"] == 1_304_000
    order = Order.objects.get()
    assert (order.status, order.is_paid, order.payment_provider) == ("paid", True, "wallet")
    assert order.payment_method_label == "Techaven Wallet"
    assert balance(buyer_client)["balance"] == 2_000_000 - 1_304_000
    detail = buyer_client.get(f"{TECHAVEN}/orders/{data['order_id']}").json()["data"]
    assert detail["is_paid"] is True and detail["payment_method"] == "Techaven Wallet"
    assert not PaymentAttempt.objects.filter(kind="payment").exists()


def test_a_short_balance_refuses_the_order_and_changes_nothing(
    buyer_client, buyer, address, product
):
    fund(buyer, 1_000_000)
    add_to_cart(buyer_client, product, 1)
    response = pay_with_wallet(buyer_client, address)
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == (
        "Insufficient wallet balance: MK 1,000,000 available, MK 1,304,000 needed"
    )
    assert "payment_method_id" in body["errors"]
    assert not Order.objects.exists()
    assert CartItem.objects.filter(cart__user=buyer).count() == 1
    assert Product.objects.get(pk=product.pk).stock_quantity == 5
    assert balance(buyer_client)["balance"] == 1_000_000


def test_cancelling_a_wallet_paid_order_refunds_the_wallet(buyer_client, buyer, address, product):
    fund(buyer, 2_000_000)
    add_to_cart(buyer_client, product, 1)
    order_id = pay_with_wallet(buyer_client, address).json()["data"]["order_id"]
    response = buyer_client.post(
        f"{TECHAVEN}/orders/{order_id}/cancel", {"reason": "Changed my mind"}
    )
    assert response.status_code == 200
    assert response.json()["data"] == {
        "order_id": order_id, "status": "cancelled", "refund_status": "completed",
    }  # fmt: skip
    assert balance(buyer_client)["balance"] == 2_000_000
    order = Order.objects.get()
    assert (order.status, order.refund_status) == ("refunded", "completed")
    assert Product.objects.get(pk=product.pk).stock_quantity == 5
    # a second cancel moves no money
    assert buyer_client.post(f"{TECHAVEN}/orders/{order_id}/cancel").status_code == 400
    assert LedgerTransaction.objects.filter(kind="order_refund").count() == 1


def test_mobile_money_orders_are_refunded_through_the_provider_as_before(buyer_client, placed):
    from tests.helpers.payments import click

    click(placed, "approve")
    response = buyer_client.post(f"{TECHAVEN}/orders/{placed['order_id']}/cancel")
    assert response.json()["data"]["refund_status"] in {"processing", "completed"}
    assert PaymentAttempt.objects.filter(kind="refund").count() == 1
    assert not Entry.objects.exists()


def test_money_taken_for_an_expired_top_up_whose_callback_was_lost_goes_back(
    buyer_client, callbacks_lost
):
    """Found by the randomized ledger test: reconcile asked only about pending attempts."""
    data = topup(buyer_client, 10_000).json()["data"]
    PaymentAttempt.objects.update(created_at=timezone.now() - timedelta(hours=2))
    assert topups_expire() == 1
    sandbox_click(data["payment_url"], "approve")  # the buyer approves late; callback lost
    assert payments_reconcile_pending() == {"refund_requested": 1}
    attempt = PaymentAttempt.objects.get(kind="topup")
    assert PaymentAttempt.objects.filter(kind="refund", refund_of=attempt).count() == 1
    assert balance(buyer_client)["balance"] == 0
    assert payments_reconcile_pending().get("refund_requested") is None  # once
