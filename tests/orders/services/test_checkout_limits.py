"""Security finding 5: a throwaway account could order the whole stock and hold it for a day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from orders.models import Order
from tests.conftest import CRYPTOSHOP
from tests.factories.catalog import CryptoShopProductFactory
from tests.helpers.orders import cryptoshop_account, pay_by_escrow
from tests.helpers.parallel import at_once

pytestmark = pytest.mark.django_db


def order(client, product, quantity=1):
    return client.post(
        f"{CRYPTOSHOP}/orders",
        {"items": [{"productId": f"product_{product.uid}", "quantity": quantity}]},
        format="json",
    )


@pytest.fixture
def stock(cs_seller):
    return CryptoShopProductFactory(shop=cs_seller[2], price_minor=10_000, stock_quantity=1_000)


def test_one_account_cannot_hold_more_than_twenty_unpaid_units(cs_buyer, stock):
    response = order(cs_buyer[1], stock, 21)
    assert response.status_code == 409
    assert response.json()["code"] == "TOO_MANY_UNPAID_ORDERS"
    assert "items" in response.json()["details"]
    assert order(cs_buyer[1], stock, 20).status_code == 201
    assert order(cs_buyer[1], stock, 1).status_code == 409
    stock.refresh_from_db()
    assert stock.stock_quantity == 980


def test_one_account_holds_at_most_five_unpaid_orders_and_paying_frees_a_slot(cs_buyer, stock):
    user, client = cs_buyer
    ids = [order(client, stock).json()["data"]["id"] for _ in range(5)]
    refused = order(client, stock)
    assert refused.status_code == 409
    assert refused.json()["error"] == "You have 5 orders awaiting payment: pay or cancel one first"
    pay_by_escrow(client, user, ids[0])
    assert order(client, stock).status_code == 201
    client.put(f"{CRYPTOSHOP}/orders/{ids[1]}", {"status": "CANCELLED"}, format="json")
    assert order(client, stock).status_code == 201


def test_the_limits_are_per_account_and_configurable(cs_buyer, stock, settings):
    settings.ORDERS_MAX_UNPAID_UNITS_PER_ACCOUNT = 100
    assert order(cs_buyer[1], stock, 60).status_code == 201
    _, other = cryptoshop_account()
    assert order(other, stock, 60).status_code == 201


def test_a_cryptoshop_order_holds_its_stock_for_an_hour_not_a_day(cs_buyer, stock):
    order(cs_buyer[1], stock)
    held_for = Order.objects.get().expires_at - timezone.now()
    assert timedelta(minutes=59) < held_for <= timedelta(minutes=60)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not django_settings.USES_POSTGRES, reason="row locks are PostgreSQL's")
def test_checkouts_at_once_by_one_account_count_each_other(settings):
    from tests.factories.catalog import CryptoShopSellerFactory

    settings.ORDERS_MAX_UNPAID_PER_ACCOUNT = 2
    seller, _ = cryptoshop_account()
    product = CryptoShopProductFactory(
        shop=CryptoShopSellerFactory(owner=seller), price_minor=10_000, stock_quantity=100
    )
    _, client = cryptoshop_account()
    codes = at_once(6, lambda: order(client, product).status_code)
    assert sorted(codes) == [201, 201, 409, 409, 409, 409]
    assert Order.objects.filter(status="pending").count() == 2
