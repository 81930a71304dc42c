"""Helpers of tests.escrow.conftest (not fixtures)."""

from __future__ import annotations

from tests.conftest import CRYPTOSHOP
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
