"""Fixtures for cart, checkout and order tests (both storefronts and the seller back office)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.factories import AddressFactory, PaymentMethodFactory, TechavenUserFactory
from accounts.services.cryptoshop_auth import cryptoshop_user_register
from catalog.factories import (
    CryptoShopProductFactory,
    CryptoShopSellerFactory,
    ProductFactory,
    ProductImageFactory,
    ShopFactory,
)
from tests.conftest import CRYPTOSHOP, TECHAVEN, techaven_client

__all__ = ["CRYPTOSHOP", "TECHAVEN"]


def cryptoshop_account():
    """(user, client) for a fresh anonymous CryptoShop account."""
    account = cryptoshop_user_register()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {account.access_token}")
    return account.user, client


@pytest.fixture
def buyer():
    return TechavenUserFactory(full_name="John Doe")


@pytest.fixture
def th(buyer) -> APIClient:
    return techaven_client(buyer)


@pytest.fixture
def address(buyer):
    return AddressFactory(user=buyer)


@pytest.fixture
def pay_method(buyer):
    return PaymentMethodFactory(user=buyer)


@pytest.fixture
def shop():
    return ShopFactory()


@pytest.fixture
def product(shop):
    p = ProductFactory(shop=shop, name="iPhone 14 Pro", price_minor=1_299_000, stock_quantity=5)
    ProductImageFactory(product=p, url="https://example.com/iphone.jpg")
    return p


@pytest.fixture
def cheap_product(shop):
    return ProductFactory(shop=shop, name="AirPods Pro", price_minor=299_000, stock_quantity=10)


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


@pytest.fixture
def placed(th, product, address, pay_method):
    """A Techaven order of 2 × 1,299,000 MWK (+ 5,000 shipping) awaiting its payment."""
    add_to_cart(th, product, 2)
    response = checkout(th, address, pay_method)
    assert response.status_code == 201
    return response.json()["data"]


def page_path(order_data) -> str:
    """The sandbox payment page of an order, from its `payment_url`."""
    return "/pay/" + order_data["payment_url"].split("/pay/", 1)[1]


@pytest.fixture
def cs_buyer():
    return cryptoshop_account()


@pytest.fixture
def cs_seller():
    user, client = cryptoshop_account()
    shop = CryptoShopSellerFactory(owner=user, name="SecureNet")
    return user, client, shop


@pytest.fixture
def cs_product(cs_seller):
    p = CryptoShopProductFactory(
        shop=cs_seller[2], name="Premium VPN Subscription", description="Lifetime VPN",
        price_minor=250_000, price_eur_minor=8_999, stock_quantity=5,
    )  # fmt: skip
    ProductImageFactory(product=p, url="https://example.com/image1.jpg")
    return p


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
