"""The back office product list: search, status and stock filters, ordering, its filter
form on the browsable page, and a bad value refused."""

import pytest
from rest_framework.test import APIClient

from accounts.factories import TechavenUserFactory
from catalog.factories import ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db
PRODUCTS = "/seller/api/products/"


@pytest.fixture
def client_and_shop():
    owner = TechavenUserFactory()
    shop = ShopFactory(owner=owner)
    client = APIClient()
    client.force_login(owner)
    return client, shop


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [p["name"] for p in response.json()["results"]]


def test_search_status_stock_and_ordering(client_and_shop):
    client, shop = client_and_shop
    phone = ProductFactory(
        shop=shop, name="Phone X", brand="Acme", price_minor=300, stock_quantity=0
    )
    ProductFactory(shop=shop, name="Laptop Pro", price_minor=900, stock_quantity=4)
    ProductFactory(shop=shop, name="Cable", brand="Acme", price_minor=100, is_active=False)
    ProductFactory(name="Phone of another shop")

    assert sorted(names(client.get(PRODUCTS, {"search": "phone"}))) == ["Phone X"]
    assert sorted(names(client.get(PRODUCTS, {"search": "acme"}))) == ["Cable", "Phone X"]
    assert names(client.get(PRODUCTS, {"search": str(phone.uid)})) == ["Phone X"]
    assert names(client.get(PRODUCTS, {"status": "inactive"})) == ["Cable"]
    assert sorted(names(client.get(PRODUCTS, {"status": "active"}))) == ["Laptop Pro", "Phone X"]
    assert names(client.get(PRODUCTS, {"in_stock": "false"})) == ["Phone X"]
    assert sorted(names(client.get(PRODUCTS, {"in_stock": "true"}))) == ["Cable", "Laptop Pro"]
    by_price = names(client.get(PRODUCTS, {"ordering": "price_minor"}))
    assert by_price == ["Cable", "Phone X", "Laptop Pro"]
    assert names(client.get(PRODUCTS, {"ordering": "-price_minor"})) == by_price[::-1]
    combined = client.get(PRODUCTS, {"status": "active", "in_stock": "true", "search": "pro"})
    assert names(combined) == ["Laptop Pro"]


def test_bad_filter_value_is_a_400(client_and_shop):
    client, _ = client_and_shop
    r = client.get(PRODUCTS, {"status": "archived"})
    assert r.status_code == 400 and set(r.json()) == {"status"}
    r = client.get(PRODUCTS, {"in_stock": "maybe"})
    assert r.status_code == 400 and set(r.json()) == {"in_stock"}


def test_browsable_page_shows_the_filter_form(client_and_shop):
    client, shop = client_and_shop
    ProductFactory(shop=shop)
    page = client.get(PRODUCTS, HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="in_stock"' in html and 'name="status"' in html
    assert 'name="search"' in html and "ordering=price_minor" in html


def test_filtered_list_keeps_its_query_count(client_and_shop, django_assert_max_num_queries):
    client, shop = client_and_shop
    ProductFactory.create_batch(5, shop=shop, name="Phone")
    with django_assert_max_num_queries(12):
        r = client.get(PRODUCTS, {"search": "phone", "in_stock": "true", "ordering": "name"})
    assert len(names(r)) == 5
