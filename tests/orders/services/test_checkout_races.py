"""Races against real PostgreSQL row locks, with real threads making real HTTP requests."""

import re
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from orders.models import Coupon, Order
from tests.factories.catalog import ProductFactory
from tests.helpers.orders import buyers_with, checkout
from tests.helpers.wallet import fund

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
    numbers = list(Order.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 5
    assert all(re.fullmatch(rf"TH-{timezone.now().year}-\d{{4,}}", n) for n in numbers)


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


def _serial(number: str) -> int:
    assert re.fullmatch(rf"TH-{timezone.now().year}-\d{{4,}}", number), number
    return int(number.rsplit("-", 1)[1])


def test_order_numbers_stay_unique_under_parallel_checkout_with_gaps_after_rollbacks():
    """Numbers come from a PostgreSQL sequence (docs/decisions.md, "Order numbers"): unique,
    and a checkout that rolls back after taking one leaves a gap; nothing reuses it."""
    product = ProductFactory(stock_quantity=100, price_minor=500)
    Coupon.objects.create(storefront="techaven", code="ONCE", kind="fixed", value=1, max_uses=1)
    good = race(buyers_with(product, 12))
    mixed = race(buyers_with(product, 6), coupon_code="ONCE")
    # paid from wallets: those short of funds are refused after their number was taken
    wallets = buyers_with(product, 6)
    for i, (_client, address, _method) in enumerate(wallets):
        fund(address.user, 100_000 if i < 3 else 100)
    paid = race(wallets, payment_method_id="wallet")
    assert sum(code == 201 for code, _ in good) == 12
    assert sum(code == 201 for code, _ in mixed) == 1
    assert sorted(code for code, _ in paid) == [201] * 3 + [400] * 3, paid
    assert all("Insufficient wallet balance" in b["message"] for c, b in paid if c == 400)
    [last] = race(buyers_with(product, 1))  # after all of them: the gaps lie before it
    assert last[0] == 201
    numbers = list(Order.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 17
    serials = sorted(_serial(n) for n in numbers)
    # the three refused wallet checkouts each burnt a number, which nothing reused
    assert serials[-1] == _serial(last[1]["data"]["order_number"])
    assert serials[-1] - serials[0] + 1 >= 17 + 3


def test_two_checkouts_of_one_product_that_wrote_their_orders_both_lock_it_without_deadlock(
    monkeypatch,
):
    """With the products locked last, each checkout has already inserted its order lines
    when it locks the product (FOR UPDATE). Were the lines' foreign key checked at the
    insert, each would hold FOR KEY SHARE on the product and wait on the other's (a
    deadlock, one checkout a 500); Django's foreign keys on PostgreSQL are DEFERRABLE
    INITIALLY DEFERRED, checked at the commit, under the product lock already held. Both
    reach the lock with their rows written; they take it one after the other."""
    import orders.services.checkout as checkout_module

    product = ProductFactory(stock_quantity=10, price_minor=500)
    both_wrote = threading.Barrier(2)
    real_take = checkout_module._take_stock

    def take_stock(**kwargs):
        if kwargs.get("seen") is not None:  # the order's rows are written, nothing locked
            both_wrote.wait(5)
        return real_take(**kwargs)

    monkeypatch.setattr(checkout_module, "_take_stock", take_stock)
    results = race(buyers_with(product, 2))
    assert sorted(code for code, _ in results) == [201, 201], results
    product.refresh_from_db()
    assert product.stock_quantity == 8
