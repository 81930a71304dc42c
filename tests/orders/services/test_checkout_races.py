"""Races against real PostgreSQL row locks, with real threads making real HTTP requests."""

import threading

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from orders.models import Coupon, Order
from tests.factories.catalog import ProductFactory
from tests.helpers.orders import buyers_with, checkout

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.USES_POSTGRES,
        reason="row locks (SELECT ... FOR UPDATE) are only real on PostgreSQL",
    ),
]


def race(buyers, **extra) -> list:
    barrier = threading.Barrier(len(buyers))
    results: list = [None] * len(buyers)

    def run(i, client, address, method):
        try:
            barrier.wait()
            response = checkout(client, address, method, **extra)
            results[i] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, *b)) for i, b in enumerate(buyers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_twenty_buyers_racing_for_five_units_make_exactly_five_orders():
    product = ProductFactory(stock_quantity=5, price_minor=1000)
    results = race(buyers_with(product, 20))
    statuses = sorted(code for code, _ in results)
    assert statuses == [201] * 5 + [400] * 15
    product.refresh_from_db()
    assert product.stock_quantity == 0
    assert Order.objects.count() == 5
    year = timezone.now().year
    assert sorted(Order.objects.values_list("number", flat=True)) == [
        f"TH-{year}-{n:04d}" for n in range(1, 6)
    ]


def test_a_coupon_with_three_uses_left_is_used_exactly_three_times():
    product = ProductFactory(stock_quantity=100, price_minor=10_000)
    Coupon.objects.create(
        storefront="techaven", code="RACE", kind="fixed", value=1000, max_uses=5, used_count=2
    )
    results = race(buyers_with(product, 10), coupon_code="RACE")
    ok = [body for code, body in results if code == 201]
    refused = [body for code, body in results if code == 400]
    assert len(ok) == 3 and len(refused) == 7
    assert all("used up" in body["errors"]["coupon_code"][0] for body in refused)
    assert Coupon.objects.get().used_count == 5
    assert Order.objects.filter(coupon__code="RACE").count() == 3
    product.refresh_from_db()
    assert product.stock_quantity == 97  # refused checkouts took nothing


def test_order_numbers_stay_unique_and_gapless_under_parallel_checkout():
    product = ProductFactory(stock_quantity=100, price_minor=500)
    # a few checkouts fail after taking a number (bad coupon): their numbers roll back too
    Coupon.objects.create(storefront="techaven", code="ONCE", kind="fixed", value=1, max_uses=1)
    good = race(buyers_with(product, 12))
    mixed = race(buyers_with(product, 6), coupon_code="ONCE")
    assert sum(code == 201 for code, _ in good) == 12
    assert sum(code == 201 for code, _ in mixed) == 1
    year = timezone.now().year
    numbers = sorted(Order.objects.values_list("number", flat=True))
    assert numbers == [f"TH-{year}-{n:04d}" for n in range(1, 14)]
