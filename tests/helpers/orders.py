"""Helpers of tests.fixtures.orders (not fixtures)."""

from __future__ import annotations

from rest_framework.test import APIClient

from accounts.services.cryptoshop_auth import cryptoshop_user_register
from orders.models import CartItem
from orders.services.cart import cart_get_or_create
from tests.conftest import CRYPTOSHOP, TECHAVEN, techaven_client
from tests.factories.accounts import AddressFactory, PaymentMethodFactory, TechavenUserFactory


def cryptoshop_account():
    """(user, client) for a fresh anonymous CryptoShop account."""
    account = cryptoshop_user_register()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {account.access_token}")
    return account.user, client


def add_to_cart(client, product, quantity=1):
    response = client.post(
        f"{TECHAVEN}/cart/items", {"product_id": product.pk, "quantity": quantity}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()["data"]["item_id"]


def checkout(client, address, pay_method, **extra):
    headers = {k: extra.pop(k) for k in list(extra) if k.startswith("HTTP_")}
    body = {
        "shipping_address_id": f"addr_{address.uid}",
        "payment_method_id": f"pm_{pay_method.uid}",
        **extra,
    }
    return client.post(f"{TECHAVEN}/orders", body, format="json", **headers)


def page_path(order_data) -> str:
    """The sandbox payment page of an order, to which its `payment_url` (Duka's page of the
    order) leads while it awaits payment."""
    from orders.models import Order

    order = Order.objects.get(uid=order_data["order_id"].removeprefix("ord_"))
    return f"/pay/sandbox/{order.payment_reference}"


def local_path(url: str) -> str:
    """`http://host/pay/…` -> `/pay/…`."""
    return "/pay/" + url.split("/pay/", 1)[1]


def fund_btc(user, amount_sat: int = 1_000_000) -> None:
    """Credit `user`'s BTC wallet (created if needed) as a confirmed chain deposit does."""
    from secrets import token_hex

    from wallet.chain import ChainOutput
    from wallet.models import Account
    from wallet.services.btc import btc_wallet_create, deposit_observe

    wallet = Account.objects.filter(user=user, currency="BTC").first() or btc_wallet_create(
        user=user
    )
    output = ChainOutput(token_hex(32), 0, wallet.deposit_address, amount_sat, block_height=1)
    assert deposit_observe(output=output, confirmations=6) == "credited"


def pay_by_escrow(client, user, order_id: str, code: str = "open-sesame") -> dict:
    """How a CryptoShop order is paid: BTC in the buyer's wallet, then the order's escrow
    (`POST /api/escrow`), funded from it at once."""
    fund_btc(user)
    response = client.post(
        f"{CRYPTOSHOP}/escrow", {"orderId": order_id, "releaseCode": code}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["data"]["status"] == "FUNDED"
    return response.json()["data"]


def buyers_with(product, n: int, quantity: int = 1):
    """n buyers, each with `product` in the cart, an address and a payment method."""
    out = []
    for _ in range(n):
        user = TechavenUserFactory()
        CartItem.objects.create(
            cart=cart_get_or_create(user=user), product=product, quantity=quantity
        )
        out.append(
            (techaven_client(user), AddressFactory(user=user), PaymentMethodFactory(user=user))
        )
    return out
