"""Both order lists build their entries directly (`order_list_entries` in
orders/api/{techaven,cryptoshop}.py) for speed; `OrderListItemOut` and `OrderOut` stay the
schema. Each pair must give the same JSON, key order included."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from escrow.models import Escrow
from orders import selectors
from orders.api.cryptoshop import OrderOut
from orders.api.cryptoshop import order_list_entries as cryptoshop_entries
from orders.api.techaven import OrderListItemOut, order_list_entries
from orders.models import Order, OrderItem
from orders.state import Status
from tests.factories.accounts import CryptoShopUserFactory, TechavenUserFactory
from tests.factories.catalog import CryptoShopProductFactory, ProductFactory, ProductImageFactory
from tests.factories.orders import OrderFactory, OrderItemFactory

pytestmark = pytest.mark.django_db


def _order(buyer, number: str, **fields) -> Order:
    address = {"full_name": "Chisomo Banda", "address_line": "Area 10", "city": "Lilongwe",
               "phone": "+265991234567", "country": "Malawi"}  # fmt: skip
    values = dict(
        storefront="techaven", buyer=buyer, number=number, subtotal_minor=1_000,
        shipping_minor=200, discount_minor=50, total_minor=1_150, currency="MWK",
        shipping_address=address, payment_method_label="Airtel Money",
    )  # fmt: skip
    return Order.objects.create(**(values | fields))


def test_entries_equal_the_serializer():
    buyer = TechavenUserFactory()
    now = timezone.now()
    plain = _order(buyer, "TH-2026-9001")
    paid = _order(buyer, "TH-2026-9002", status=Status.DELIVERED, is_paid=True,
                  paid_at=now - timedelta(days=2), delivered_at=now)  # fmt: skip
    product = ProductFactory()
    for n, (p, quantity) in enumerate([(product, 2), (None, 1)]):
        OrderItem.objects.create(
            order=paid, product=p, product_name=f"Line {n}", product_image="",
            unit_price_minor=500, quantity=quantity, subtotal_minor=500 * quantity,
        )  # fmt: skip
    page = selectors.techaven_orders_page(user=buyer, statuses=None, page=1, limit=20)
    assert {o.pk for o in page.items} == {plain.pk, paid.pk}
    with CaptureQueriesContext(connection) as queries:
        fast = order_list_entries(page.items)
    assert not queries.captured_queries  # the page loaded every line
    reference = OrderListItemOut(page.items, many=True).data
    assert json.dumps(fast) == json.dumps(reference)
    by_number = {entry["order_number"]: entry for entry in fast}
    assert by_number["TH-2026-9001"]["items"] == []
    assert [i["product_id"] for i in by_number["TH-2026-9002"]["items"]] == [product.pk, None]
    assert by_number["TH-2026-9002"]["item_count"] == 3


def test_cryptoshop_entries_equal_the_serializer():
    buyer = CryptoShopUserFactory()
    product = CryptoShopProductFactory()
    ProductImageFactory(product=product, position=0)
    held = OrderFactory(
        storefront="cryptoshop", number="CS-1999-0001", buyer=buyer, currency="BTC",
        total_minor=316_931, total_eur_minor=9_507, is_paid=True, payment_hash="ab" * 32,
        completed_at=timezone.now(),
    )  # fmt: skip
    OrderItemFactory(order=held, product=product, unit_price_eur_minor=9_507, quantity=2)
    OrderItemFactory(order=held, product=None, shop=product.shop, product_name="Gone",
                     unit_price_minor=5, unit_price_eur_minor=None)  # fmt: skip
    Escrow.objects.create(order=held, buyer=buyer, seller=product.shop.owner,
                          amount_minor=316_931, release_code_hash="x")  # fmt: skip
    OrderFactory(storefront="cryptoshop", number="CS-1999-0002", buyer=buyer, currency="BTC")
    page = selectors.cryptoshop_orders_page(user=buyer, statuses=None, page=1, limit=20)
    assert len(page.items) == 2
    with CaptureQueriesContext(connection) as queries:
        fast = cryptoshop_entries(page.items)
    assert not queries.captured_queries
    assert json.dumps(fast, default=str) == json.dumps(
        OrderOut(page.items, many=True).data, default=str
    )
    by_id = {(entry["orderItems"] and "held") or "bare": entry for entry in fast}
    assert by_id["held"]["escrowTransaction"]["amountBtc"] is not None
    assert [i["product"] is None for i in by_id["held"]["orderItems"]] == [False, True]
    assert by_id["bare"]["escrowTransaction"] is None


def test_cryptoshop_entries_with_one_product_in_two_orders_query_nothing_more():
    """Each line has its own product object: every one of them gets its images."""
    buyer = CryptoShopUserFactory()
    product = CryptoShopProductFactory()
    ProductImageFactory(product=product, position=0)
    for n in (1, 2):
        order = OrderFactory(storefront="cryptoshop", number=f"CS-1999-000{n}", buyer=buyer)
        OrderItemFactory(order=order, product=product, unit_price_eur_minor=9_507)
    page = selectors.cryptoshop_orders_page(user=buyer, statuses=None, page=1, limit=20)
    with CaptureQueriesContext(connection) as queries:
        entries = cryptoshop_entries(page.items)
    assert not queries.captured_queries
    images = [entry["orderItems"][0]["product"]["images"] for entry in entries]
    assert len(images) == 2 and images[0] == images[1] and images[0]


@pytest.mark.parametrize("page_of", ["techaven", "cryptoshop"])
def test_a_status_named_twice_is_one_filter(page_of):
    buyer = (TechavenUserFactory if page_of == "techaven" else CryptoShopUserFactory)()
    OrderFactory(storefront=page_of, number="XX-1999-0001", buyer=buyer)
    orders_page = getattr(selectors, f"{page_of}_orders_page")
    twice = [Status.PENDING, Status.PENDING, Status.CANCELLED]
    found = orders_page(user=buyer, statuses=twice, page=1, limit=20)
    assert found.total == 1 and len(found.items) == 1
