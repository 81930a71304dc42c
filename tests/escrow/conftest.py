"""Fixtures of the escrow tests: a CryptoShop seller with a product, a buyer with BTC, an
order awaiting payment, and helpers that call the escrow endpoints."""

from __future__ import annotations

import pytest

from tests.cryptoshop.conftest import cs_account, cs_two_factor  # noqa: F401
from tests.orders.conftest import (  # noqa: F401 (the orders tests' fixtures, reused)
    CRYPTOSHOP,
    cryptoshop_account,
    cs_buyer,
    cs_product,
    cs_seller,
    fund_btc,
)
from wallet.models import Account

CODE = "open-sesame-42"


def balance(user) -> int:
    account = Account.objects.filter(user=user, currency="BTC").first()
    return account.balance_minor if account else 0


def place_order(client, product, quantity: int = 1) -> str:
    response = client.post(
        f"{CRYPTOSHOP}/orders",
        {"items": [{"productId": f"product_{product.uid}", "quantity": quantity}]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()["data"]["id"]


def create_escrow(client, order_id: str, code: str = CODE):
    return client.post(
        f"{CRYPTOSHOP}/escrow", {"orderId": order_id, "releaseCode": code}, format="json"
    )


def release(client, escrow_id: str, code: str = CODE):
    return client.post(
        f"{CRYPTOSHOP}/escrow/{escrow_id}/release", {"releaseCode": code}, format="json"
    )


def dispute(client, escrow_id: str, reason: str = "Product not as described"):
    return client.post(
        f"{CRYPTOSHOP}/escrow/{escrow_id}/dispute", {"reason": reason}, format="json"
    )


def confirm(client, order_id: str):
    return client.put(f"{CRYPTOSHOP}/orders/{order_id}", {"status": "CONFIRMED"}, format="json")


@pytest.fixture
def order(cs_buyer, cs_product) -> str:  # noqa: F811 (fixtures of tests.orders)
    """An order of 0.0025 BTC (250,000 sat) awaiting payment."""
    return place_order(cs_buyer[1], cs_product)


@pytest.fixture
def funded(cs_buyer, order) -> dict:  # noqa: F811
    """The order's escrow, funded from the buyer's 1,000,000 sat."""
    fund_btc(cs_buyer[0], 1_000_000)
    response = create_escrow(cs_buyer[1], order)
    assert response.status_code == 201, response.json()
    return response.json()["data"]
