"""Product views, added up in Redis and written to the database in batches.

Product pages are the most read pages of a shop. Counting each view with its own
`UPDATE … SET view_count = view_count + 1` made every page view a database write, one
that also waits behind any open transaction holding the product's row (a checkout takes
its products' locks). So a view is one `HINCRBY` on a Redis hash instead, which needs no
lock and no database, and beat (`catalog-flush-views`, every `CATALOG_VIEWS_FLUSH_SECONDS`,
30 s) adds the sums to the rows:

1. the hash is renamed to a flushing key (views counted from then on start a new hash);
2. its sums are added in one transaction, 1,000 products an UPDATE;
3. the flushing key is deleted.

A flush that fails at 2 leaves the flushing key, and the next flush writes it before it
takes a new one, so no view is lost to a database error. A flush is held by a Redis lock,
so two workers never write the same sums. The one window left: a worker dying between
the commit (2) and the delete (3) makes the next flush add that batch again.

Without Redis (the embedded default) or when it does not answer, a view is counted with
its own UPDATE, as before. `view_count` is then up to a flush interval behind the views;
it is not money and no page sorts by it (CryptoShop's `popularity` is sales).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import BigIntegerField, Case, F, Value, When
from redis.exceptions import RedisError

from catalog.models import Product
from core.cache import shared_redis, shared_redis_key

logger = logging.getLogger(__name__)

BATCH = 1000


def _keys() -> tuple[str, ...]:
    """The hash views are counted in, the one being flushed, the flush's lock."""
    names = ("catalog:views", "catalog:views:flushing", "catalog:views:lock")
    return tuple(shared_redis_key(name) for name in names)


def views_add(product_id: int) -> None:
    """One more view of a product (counted in Redis, or in the row without it)."""
    client = shared_redis()
    if client is not None:
        try:
            client.hincrby(_keys()[0], str(product_id), 1)
            return
        except RedisError:
            logger.warning("views: Redis not answering, counting in the database")
    Product.objects.filter(pk=product_id).update(view_count=F("view_count") + 1)


def views_flush() -> int:
    """Add the views counted in Redis to the products' rows; returns how many were added."""
    client = shared_redis()
    if client is None:
        return 0
    counting, flushing, lock_key = _keys()
    lock = client.lock(lock_key, timeout=300, blocking_timeout=0)
    if not lock.acquire():
        return 0  # another worker is flushing
    try:
        if not client.exists(flushing):
            if not client.exists(counting):
                return 0
            client.rename(counting, flushing)
        counts = {int(k): int(v) for k, v in client.hgetall(flushing).items()}
        _add_to_rows(counts)
        client.delete(flushing)
        return sum(counts.values())
    finally:
        lock.release()


@transaction.atomic
def _add_to_rows(counts: dict[int, int]) -> None:
    ids = sorted(counts)  # one order for every writer: no deadlock with another batch
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        added = Case(
            *(When(pk=pk, then=Value(counts[pk])) for pk in chunk),
            default=Value(0),
            output_field=BigIntegerField(),
        )
        Product.objects.filter(pk__in=chunk).update(view_count=F("view_count") + added)
