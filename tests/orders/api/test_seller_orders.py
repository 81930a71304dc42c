"""The back office order list: search, status and paid filters, ordering, and a bad
value refused."""

import pytest
from rest_framework.test import APIClient

from accounts.factories import TechavenUserFactory
from catalog.factories import ProductFactory, ShopFactory
from orders.factories import OrderFactory, OrderItemFactory

pytestmark = pytest.mark.django_db
ORDERS = "/seller/api/orders/"


@pytest.fixture
def client_and_shop():
    owner = TechavenUserFactory()
    shop = ShopFactory(owner=owner)
    client = APIClient()
    client.force_login(owner)
    return client, shop


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [o["number"] for o in response.json()["results"]]


def test_search_status_paid_and_ordering(client_and_shop):
    client, shop = client_and_shop
    alice = TechavenUserFactory(username="alice")
    first = OrderFactory(shop=shop, number="TH-1", status="paid", is_paid=True, total_minor=500)
    second = OrderFactory(shop=shop, number="TH-2", buyer=alice, total_minor=900)
    OrderItemFactory(order=first, product=ProductFactory(shop=shop, name="Blue Kettle"))
    OrderItemFactory(order=second, product=ProductFactory(shop=shop, name="Red Kettle"))
    OrderFactory(number="TH-3", status="paid")  # another shop's

    assert numbers(client.get(ORDERS, {"status": "paid"})) == ["TH-1"]
    assert numbers(client.get(ORDERS, {"is_paid": "false"})) == ["TH-2"]
    assert numbers(client.get(ORDERS, {"search": "alice"})) == ["TH-2"]
    assert numbers(client.get(ORDERS, {"search": "blue"})) == ["TH-1"]
    assert sorted(numbers(client.get(ORDERS, {"search": "kettle"}))) == ["TH-1", "TH-2"]
    assert numbers(client.get(ORDERS, {"search": "TH-2"})) == ["TH-2"]
    assert numbers(client.get(ORDERS, {"ordering": "total_minor"})) == ["TH-1", "TH-2"]
    assert numbers(client.get(ORDERS, {"ordering": "-total_minor"})) == ["TH-2", "TH-1"]


def test_bad_status_is_a_400(client_and_shop):
    client, _ = client_and_shop
    r = client.get(ORDERS, {"status": "lost"})
    assert r.status_code == 400 and set(r.json()) == {"status"}


def test_browsable_page_shows_the_filter_form(client_and_shop):
    client, _ = client_and_shop
    html = client.get(ORDERS, HTTP_ACCEPT="text/html").content.decode()
    assert 'name="status"' in html and 'name="search"' in html
