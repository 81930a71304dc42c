"""A big list's total is cached a short while (catalog.selectors.cached_count): keyed by the
list's query when the caller has one, so that no count SQL is compiled to find the key."""

from __future__ import annotations

import pytest

from catalog import conf
from catalog.selectors import ProductQuery, cached_count, product_queryset
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_big_lists(monkeypatch):
    monkeypatch.setattr(conf, "COUNT_CACHE_MIN_ROWS", 2)


def count(query: ProductQuery) -> int:
    qs, _ = product_queryset(query)
    return cached_count(qs, key_from=query)


def test_the_same_query_answers_from_the_cache_until_it_expires(django_assert_num_queries):
    ProductFactory.create_batch(3)
    query = ProductQuery(storefront="techaven")
    assert count(query) == 3
    ProductFactory()
    qs, _ = product_queryset(query)
    with django_assert_num_queries(0):
        assert cached_count(qs, key_from=query) == 3  # up to COUNT_CACHE_SECONDS behind


def test_another_query_is_counted_afresh():
    ProductFactory.create_batch(3)
    assert count(ProductQuery(storefront="techaven")) == 3
    ProductFactory(price_minor=500_000)
    assert count(ProductQuery(storefront="techaven", min_price_minor=200_000)) == 1
    assert count(ProductQuery(storefront="techaven", sort="price_minor")) == 4


def test_small_lists_are_always_counted():
    ProductFactory()
    query = ProductQuery(storefront="techaven")
    assert count(query) == 1
    ProductFactory()
    assert count(query) == 2
