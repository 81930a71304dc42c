"""Security finding 1: where the sandboxes are switched off (`PAYMENTS_SANDBOX=false`, the
default with DEBUG off), nothing is ever paid through them: their pages and callbacks are
gone, and a payment nothing real serves is refused before money could be taken."""

from __future__ import annotations

import pytest
from django.test import Client

from catalog.models import Product
from orders.models import Order
from tests.helpers.orders import add_to_cart, checkout, local_path, page_path
from tests.helpers.payments import signed_callback
from tests.helpers.wallet import topup
from wallet.models import PaymentAttempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox_off(settings):
    settings.PAYMENTS_SANDBOX = False


def test_readyz_says_what_moves_money(client, settings):
    assert client.get("/readyz").json()["payments"] == {
        "airtel_money": "sandbox", "tnm_mpamba": "sandbox", "btc_chain": "sandbox",
    }  # fmt: skip
    settings.PAYMENTS_SANDBOX = False
    assert client.get("/readyz").json()["payments"] == {
        "airtel_money": "off", "tnm_mpamba": "off", "btc_chain": "off",
    }  # fmt: skip
    settings.PAYMENT_PROVIDERS = {"airtel_money": "wallet.paychangu.PayChanguProvider"}
    assert client.get("/readyz").json()["payments"]["airtel_money"] == "PayChanguProvider"


def test_the_sandbox_page_and_callbacks_are_gone(buyer_client, placed, settings):
    reference = PaymentAttempt.objects.get().reference
    settings.PAYMENTS_SANDBOX = False
    path = page_path(placed)
    assert Client().get(path).status_code == 404
    assert Client().post(path, {"decision": "approve"}).status_code == 404
    assert signed_callback(reference, succeeded=True).status_code == 404
    assert Order.objects.get().status == "pending"


def test_a_top_up_nothing_real_serves_answers_503(buyer_client, sandbox_off):
    response = topup(buyer_client, 10_000)
    assert response.status_code == 503
    assert response.json()["success"] is False
    assert "could not be reached" in response.json()["message"]
    assert not PaymentAttempt.objects.exists()


def test_a_checkout_nothing_real_serves_is_cancelled_and_gives_the_stock_back(
    buyer_client, address, pay_method, product, sandbox_off
):
    """The order is placed (the request never waits on a provider); its task finds nothing
    real to open the payment with, so the order is cancelled with its stock back, and its
    page tells the buyer."""
    add_to_cart(buyer_client, product, 2)
    response = checkout(buyer_client, address, pay_method)
    assert response.status_code == 201
    order = Order.objects.get()
    assert (order.status, order.is_paid, order.cancel_reason) == (
        "cancelled",
        False,
        "Payment failed",
    )
    assert Product.objects.get(pk=product.pk).stock_quantity == 5
    assert not PaymentAttempt.objects.exists()
    page = Client().get(local_path(response.json()["data"]["payment_url"]))
    assert page.status_code == 200
    assert b"could not be completed" in page.content
