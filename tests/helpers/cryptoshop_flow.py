"""The CryptoShop flow, over HTTP against a running server, that causes real order events:
a seller opens a shop and lists a product, a buyer orders it and pays
(docs/contracts/cryptoshop-api.md, "Basic Usage Examples" 1 and 2, "Browse and Purchase
Products": products → order → escrow).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from tests.helpers.cryptoshop import totp_code

API = "/cryptoshop/api"


def register(base: str) -> str:
    """A new anonymous account (`POST /auth/register`); its access token."""
    return register_account(base)[1]


def register_account(base: str) -> tuple[str, str]:
    """A new anonymous account (`POST /auth/register`); its id (`user_<uid>`) and access token."""
    response = httpx.post(f"{base}{API}/auth/register", json={}, timeout=10)
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    return data["id"], data["accessToken"]


def two_factor_sessions(base: str, token: str, count: int = 1) -> list[str]:
    """Turn 2FA on (`/auth/2fa/setup`, `/auth/2fa/verify` with a TOTP code) and open `count`
    sessions (the first verify's, then one per backup code); their session tokens."""
    secret = call(base, "POST", "/auth/2fa/setup", token)["secret"]
    first = call(base, "POST", "/auth/2fa/verify", token, {"token": totp_code(secret)})
    sessions = [first["sessionToken"]]
    for code in first["backupCodes"][: count - 1]:
        again = call(base, "POST", "/auth/2fa/verify", token, {"token": code})
        sessions.append(again["sessionToken"])
    return sessions


def logout(base: str, token: str) -> None:
    """`POST /auth/logout` with `token` as the Bearer."""
    response = httpx.post(
        f"{base}{API}/auth/logout", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == 200, response.text


def call(base: str, method: str, path: str, token: str, body: dict | None = None) -> dict:
    """One signed-in CryptoShop request that must succeed; its `data`."""
    response = httpx.request(
        method,
        f"{base}{API}{path}",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code in (200, 201), response.text
    return response.json()["data"]


@dataclass(frozen=True)
class Shop:
    seller: str  # the seller's access token
    product_id: str


def open_shop(base: str) -> Shop:
    """A new seller with a shop (`POST /sellers`) and one product in stock (`POST /products`)."""
    seller = register(base)
    call(base, "POST", "/sellers", seller, {"storeName": "SecureNet"})
    product = call(
        base,
        "POST",
        "/products",
        seller,
        {"name": "Premium VPN", "priceBtc": 0.0025, "priceEur": 89.99, "stockQuantity": 5},
    )
    return Shop(seller=seller, product_id=product["id"])


def place_order(base: str, buyer: str, shop: Shop) -> str:
    """The buyer orders one of the shop's products (`POST /orders`); the order's id."""
    items = [{"productId": shop.product_id, "quantity": 1}]
    return call(base, "POST", "/orders", buyer, {"items": items})["id"]


def fund_wallet(base: str, buyer: str, amount_btc: str = "0.01") -> None:
    """The buyer's BTC wallet (`POST /wallet`) receives a deposit on the sandbox chain, which
    two mined blocks confirm (the server credits it as the block commits)."""
    response = httpx.post(
        f"{base}{API}/wallet", headers={"Authorization": f"Bearer {buyer}"}, timeout=10
    )
    assert response.status_code in (201, 409), response.text
    address = call(base, "GET", "/wallet", buyer)["depositAddress"]
    sent = httpx.post(
        f"{base}/pay/sandbox/btc/deposits",
        json={"address": address, "amount_btc": amount_btc},
        timeout=10,
    )
    assert sent.status_code == 201, sent.text
    mined = httpx.post(f"{base}/pay/sandbox/btc/blocks", json={"count": 2}, timeout=10)
    assert mined.status_code == 201, mined.text
    assert call(base, "GET", "/wallet", buyer)["balanceBtc"] > 0


def pay(base: str, buyer: str, order_id: str) -> None:
    """The buyer pays as the document's purchase flow does: BTC in the wallet, then the
    order's escrow (`POST /escrow`), funded from it at once, which marks the order paid."""
    fund_wallet(base, buyer)
    body = {"orderId": order_id, "releaseCode": "open-sesame"}
    assert call(base, "POST", "/escrow", buyer, body)["status"] == "FUNDED"
    assert call(base, "GET", f"/orders/{order_id}", buyer)["status"] == "PAID"


def order_and_pay(base: str, buyer: str, shop: Shop) -> str:
    """The buyer orders one of the shop's products and pays; the order's id."""
    order_id = place_order(base, buyer, shop)
    pay(base, buyer, order_id)
    return order_id


def order_updated(order_id: str, status: str, message: str) -> tuple[str, dict]:
    """An `order:updated` Socket.IO event as a listening client records it."""
    return ("order:updated", {"orderId": order_id, "status": status, "message": message})


def buyer_told_of_order_and_payment(order_id: str) -> list[tuple[str, dict]]:
    """The `order:updated` events the buyer gets from `order_and_pay`, in order."""
    return [
        order_updated(order_id, "PENDING", "Your order has been placed"),
        order_updated(order_id, "PAID", "Your payment has been received"),
    ]
