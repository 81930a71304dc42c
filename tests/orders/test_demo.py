import pytest

from accounts import demo as accounts_demo
from orders import demo
from orders.models import Order
from tests.factories.catalog import CryptoShopProductFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_demo_skips_quietly_without_products():
    accounts_demo.seed()
    assert demo.seed() == []
    assert not Order.objects.exists()


def test_demo_places_one_order_per_demo_user_once():
    accounts_demo.seed()
    ProductFactory(stock_quantity=5)
    CryptoShopProductFactory(stock_quantity=5)
    lines = demo.seed()
    assert len(lines) == 2 and "TH-" in lines[0]
    assert demo.seed() == []
    assert sorted(Order.objects.values_list("storefront", flat=True)) == ["cryptoshop", "techaven"]
