"""Product views added up in Redis and written to the rows by beat (catalog/viewcounts.py):
none lost or counted twice, even with views and flushes at once or a failed flush."""

from __future__ import annotations

import threading

import pytest
from celery.utils.imports import symbol_by_name
from django.conf import settings
from django.db import connection
from django.test.utils import override_settings

from catalog import pagecache, viewcounts
from catalog.models import Product
from catalog.viewcounts import views_add, views_flush
from core.cache import shared_redis
from tests.conftest import TECHAVEN
from tests.factories.catalog import ProductFactory
from tests.helpers.catalog import needs_postgres

pytestmark = pytest.mark.django_db

needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="views are added up in Redis")


def _views(product) -> int:
    return Product.objects.values_list("view_count", flat=True).get(pk=product.pk)


@needs_redis
def test_views_wait_in_redis_until_the_flush_writes_them(api):
    product = ProductFactory()
    path = f"{TECHAVEN}/products/{product.pk}"
    for _ in range(3):
        assert api.get(path).status_code == 200
    assert _views(product) == 0
    assert views_flush() == 3
    assert _views(product) == 3
    assert views_flush() == 0 and _views(product) == 3
    # the flush writes view_count alone, which no cached page shows: the page stays
    assert api.get(path)[pagecache.HIT_HEADER] == "hit"


@needs_redis
def test_a_failed_flush_loses_nothing(monkeypatch):
    product = ProductFactory()
    for _ in range(2):
        views_add(product.pk)

    def database_down(counts):
        raise RuntimeError("database down")

    with monkeypatch.context() as m:
        m.setattr(viewcounts, "_add_to_rows", database_down)
        with pytest.raises(RuntimeError):
            views_flush()
    views_add(product.pk)  # counted in a new hash meanwhile
    assert views_flush() == 2  # the failed batch first
    assert views_flush() == 1
    assert _views(product) == 3


@needs_redis
def test_one_flush_at_a_time():
    product = ProductFactory()
    views_add(product.pk)
    client = shared_redis()
    lock = client.lock(viewcounts._keys()[2], timeout=30)
    assert lock.acquire()
    try:
        assert views_flush() == 0  # another worker holds it
    finally:
        lock.release()
    assert views_flush() == 1


def test_without_redis_a_view_is_counted_in_the_row():
    product = ProductFactory()
    locmem = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(CACHES=locmem):
        views_add(product.pk)
        assert views_flush() == 0
    assert _views(product) == 1


def test_while_redis_is_down_a_view_is_counted_in_the_row():
    product = ProductFactory()
    dead = {"default": {"BACKEND": "core.cache.SharedRedisCache",
                        "LOCATION": "redis://127.0.0.1:1/0"}}  # fmt: skip
    with override_settings(CACHES=dead):
        views_add(product.pk)
    assert _views(product) == 1


def test_beat_flushes_the_views():
    entry = settings.CELERY_BEAT_SCHEDULE["catalog-flush-views"]
    task = symbol_by_name(entry["task"])
    assert task.name == entry["task"] and entry["schedule"] == 30.0
    product = ProductFactory()
    views_add(product.pk)
    task.delay()  # eager in the tests, as a worker would run it
    assert _views(product) == 1


@needs_redis
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_views_and_flushes_at_once_add_up_exactly():
    products = [ProductFactory(), ProductFactory()]
    viewers, views_each = 4, 50
    done = threading.Event()
    errors: list[BaseException] = []

    def view(n: int) -> None:
        try:
            for i in range(views_each):
                views_add(products[(n + i) % 2].pk)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    def flush_all_the_time() -> None:
        try:
            while not done.is_set():
                views_flush()
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    flusher = threading.Thread(target=flush_all_the_time)
    flusher.start()
    threads = [threading.Thread(target=view, args=(n,)) for n in range(viewers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    done.set()
    flusher.join(30)
    views_flush()
    assert not errors
    assert sum(_views(p) for p in products) == viewers * views_each
