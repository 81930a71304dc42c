"""Order numbers (docs/decisions.md, "Order numbers"): `TH-YYYY-NNNN`, unique; on PostgreSQL
from a sequence per (storefront, year) that no checkout waits on (gaps after a rollback),
on SQLite from the counter row (gapless). And the checkout's products locked last."""

from __future__ import annotations

import re
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

import orders.services.checkout as checkout_module
from catalog.models import Product
from orders import numbers
from orders.models import Order, OrderNumberCounter
from orders.numbers import number_sequence_next, sequence_name
from orders.services.checkout import order_number_next
from tests.conftest import TECHAVEN
from tests.helpers.orders import add_to_cart, checkout

postgres_only = pytest.mark.skipif(not settings.USES_POSTGRES, reason="sequences: PostgreSQL")


@pytest.fixture
def fresh_year():
    """A year no other test numbers in; its sequences are dropped afterwards."""
    year = 2101
    yield year
    for storefront in ("techaven", "cryptoshop"):
        name = sequence_name(storefront=storefront, year=year)
        numbers._ready.discard(name)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SEQUENCE IF EXISTS {name}")


@pytest.mark.django_db
def test_numbers_have_the_storefronts_format_and_never_repeat():
    taken = [order_number_next(storefront="techaven") for _ in range(5)]
    taken.append(order_number_next(storefront="cryptoshop"))
    year = timezone.now().year
    assert all(re.fullmatch(rf"TH-{year}-\d{{4,}}", n) for n in taken[:5])
    assert re.fullmatch(rf"CS-{year}-\d{{4,}}", taken[5])
    assert len(set(taken)) == 6
    serials = [int(n.rsplit("-", 1)[1]) for n in taken[:5]]
    assert serials == sorted(serials)


@pytest.mark.django_db
def test_sqlite_numbers_from_the_counter_row_without_gaps():
    if settings.USES_POSTGRES:
        pytest.skip("the counter row numbers on SQLite only")
    year = timezone.now().year
    OrderNumberCounter.objects.create(storefront="techaven", year=year, last=41)
    assert order_number_next(storefront="techaven") == f"TH-{year}-0042"
    assert OrderNumberCounter.objects.get(storefront="techaven", year=year).last == 42


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_new_years_sequence_starts_after_its_counter_and_takes_no_row_lock(fresh_year):
    OrderNumberCounter.objects.create(storefront="techaven", year=fresh_year, last=41)
    assert number_sequence_next(storefront="techaven", year=fresh_year) == 42
    assert number_sequence_next(storefront="techaven", year=fresh_year) == 43
    # the counter is history: it is neither read again nor locked
    assert OrderNumberCounter.objects.get(storefront="techaven", year=fresh_year).last == 41
    assert number_sequence_next(storefront="cryptoshop", year=fresh_year) == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_processes_creating_a_years_sequence_at_once_all_get_unique_numbers(fresh_year):
    """Each thread is a process meeting the new year: each sees no sequence and creates it."""
    barrier, taken, errors = threading.Barrier(8), [], []

    def run():
        try:
            barrier.wait()
            taken.append(number_sequence_next(storefront="techaven", year=fresh_year))
        except Exception as exc:  # kept for the assertion
            errors.append(exc)
        finally:
            connection.close()

    numbers._ready.clear()
    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert sorted(taken) == list(range(1, 9))


@postgres_only
@pytest.mark.django_db
def test_a_rolled_back_number_is_not_given_back():
    """`nextval` is not transactional (documented): the rolled-back number leaves a gap."""
    from django.db import transaction

    first = order_number_next(storefront="techaven")
    with pytest.raises(RuntimeError), transaction.atomic():
        order_number_next(storefront="techaven")
        raise RuntimeError
    third = order_number_next(storefront="techaven")
    assert int(third.rsplit("-", 1)[1]) == int(first.rsplit("-", 1)[1]) + 2


@pytest.mark.django_db
def test_a_product_changed_before_its_lock_places_the_order_again_with_it_locked_first(
    monkeypatch, buyer_client, product, address, pay_method
):
    """The order is built from the products read without a lock; the price changes before
    the lock is taken: that attempt rolls back (the change with it, here, as it is made in
    the same transaction) and the order is placed once more, the products locked first."""
    add_to_cart(buyer_client, product, 2)
    real_next, real_place = checkout_module.order_number_next, checkout_module._place
    attempts: list[bool] = []

    def number_next(*, storefront):
        if len(attempts) == 1:  # the first attempt, between the read and the lock
            Product.objects.filter(pk=product.pk).update(price_minor=1_000_000)
        return real_next(storefront=storefront)

    def place(**kwargs):
        attempts.append(kwargs["lock_last"])
        return real_place(**kwargs)

    monkeypatch.setattr(checkout_module, "order_number_next", number_next)
    monkeypatch.setattr(checkout_module, "_place", place)
    response = checkout(buyer_client, address, pay_method)
    assert response.status_code == 201, response.json()
    assert attempts == [True, False]
    order = Order.objects.get()
    product.refresh_from_db()
    assert order.subtotal_minor == 2 * product.price_minor == 2_598_000
    assert order.items.get().unit_price_minor == product.price_minor
    assert product.stock_quantity == 3  # taken once
    assert not buyer_client.get(f"{TECHAVEN}/cart").json()["data"]["items"]


@pytest.mark.django_db
def test_checkout_query_count_holds(
    buyer_client,
    product,
    cheap_product,
    address,
    pay_method,
    django_assert_max_num_queries,
    monkeypatch,
):
    """One Techaven checkout of a two-line cart through the API, everything included
    (authentication, the order's transaction), then its task opening the payment. 31 in all
    before issue 14 (29 for one line; SQLite the same): now none per cart line (products
    read with the cart, images in one query, stock taken in one statement), the counter's
    two round trips are one `nextval` on PostgreSQL, no savepoint inside the transaction;
    the payment is opened by a task, not in the request."""
    from orders.services.payment import order_payment_open

    add_to_cart(buyer_client, product)
    assert checkout(buyer_client, address, pay_method).status_code == 201  # sequence warm
    add_to_cart(buyer_client, product)
    add_to_cart(buyer_client, cheap_product)
    queued = []
    monkeypatch.setattr("orders.services.checkout.order_payment_open_soon", queued.append)
    with django_assert_max_num_queries(21 if settings.USES_POSTGRES else 22):
        assert checkout(buyer_client, address, pay_method).status_code == 201
    # the order read and claimed (2), the attempt, the sandbox's record, the two pages'
    # updates; and the savepoint the test's transaction turns the attempt's into (2)
    with django_assert_max_num_queries(8):
        assert order_payment_open(order_id=queued[0]) is True


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_daily_job_creates_this_and_next_years_sequences_ahead():
    from orders.numbers import number_sequences_ahead
    from orders.tasks import orders_number_sequences_ahead

    try:
        assert number_sequences_ahead(year=2102) == 4
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_sequences "
                "WHERE sequencename ~ '^orders_number_[a-z]+_210[23]$'"
            )
            assert cursor.fetchone()[0] == 4
        assert number_sequence_next(storefront="techaven", year=2103) == 1
    finally:
        with connection.cursor() as cursor:
            for storefront in ("techaven", "cryptoshop"):
                for year in (2102, 2103):
                    name = sequence_name(storefront=storefront, year=year)
                    numbers._ready.discard(name)
                    cursor.execute(f"DROP SEQUENCE IF EXISTS {name}")
    assert any(
        job["task"] == "orders.tasks.orders_number_sequences_ahead"
        for job in settings.CELERY_BEAT_SCHEDULE.values()
    )
    assert orders_number_sequences_ahead.name == "orders.tasks.orders_number_sequences_ahead"
