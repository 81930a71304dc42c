"""Rendered public catalog pages, kept in the shared cache until something they show changes.

A public catalog page (a product list, a product, search results) is the same for every
caller: nothing on it depends on who asks. Rendering one costs several queries and a few
milliseconds of Python; serving it again from Redis costs one round trip (one MGET: the
catalog version and the page). What makes that safe is the invalidation, which every
write path asks for explicitly, once its transaction commits:

- **`catalog_changed()`: one catalog version.** Every cached page is stored with the
  version it was built under and served only while that version is still current; a new
  version drops every cached page at once, for both storefronts. Anything that can move a
  product into or out of a page, or change what a page says about a shop, a category or a
  seller, asks for it: the catalog services (products, images, shops, sellers, categories,
  reviews' ratings, the typo-correction words), the admin (`PageCacheAdminMixin`), an
  order paid or a paid order cancelled (sales counts order the best-seller lists), a
  seller's new username or avatar (`accounts.hooks.public_profile_changed`), `seed_demo`;
  `bench/generate.py` loads with COPY and calls `invalidate()` itself.
- **`stock_changed(product_ids)`: only the pages that show those products.** Stock moves
  with every order (checkout takes it, a cancel or an expiry gives it back), and a
  product's stock decides nothing but what its own card and page say (no cached list
  filters or sorts by it). So while a page is built, the selectors that read products for
  a page say which (`note_shown`: `catalog.selectors.card_rows` and
  `product_with_card_data`), and the stored page is filed under
  each of them (`catalog:pages:product:<id>`, a Redis set kept as long as the page). A
  stock change deletes the pages filed under its products, and nothing else.
- **After the commit, never before.** Both run from `transaction.on_commit` (at once
  outside a transaction), so a page rebuilt meanwhile cannot keep the old rows. A page
  built while the write was open (it read the old rows) must not be stored after the
  invalidation either: a reader takes the version before its queries, so a new version
  leaves its page unused; and it takes the stock sequence (`catalog:pages:stock`, which
  every stock change increments, noting the new value on each product it changed), so a
  page is stored, atomically, only if none of its products changed stock since the build
  began.
- **Columns no page shows need nothing**: the view counter (the CryptoShop cards'
  `viewCount` may lag as long as a page is kept), a user's sign-in, password or e-mail.
- **A time limit** (`CATALOG_PAGE_CACHE_SECONDS`, 60 s) bounds what no write announces:
  time itself (a product stops being a new arrival), and a write made outside the code
  (a database console).

The test suite holds the write paths to this: a guard (`tests/helpers/pagecache.py`)
watches every statement the code runs and fails a test whose transaction commits a write
to a table the pages read without having asked for the matching invalidation.

Only 200 answers are kept; errors, other methods and non-JSON answers are not. The key is
the scheme, host, path and sorted query string (image URLs are absolute). When the cache
does not answer, pages are built as if there were no cache.

Off unless the cache is shared by every process (`CATALOG_PAGE_CACHE`, on by default when
`REDIS_URL` is set): a process-local cache would not see other processes' writes.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import logging
import pickle
import secrets
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from redis.exceptions import RedisError

from core.cache import quiet_get_many, quiet_set, shared_redis
from core.conf import setting_bool, setting_int

logger = logging.getLogger(__name__)

VERSION_KEY = "catalog:pages:version"
STOCK_SEQ_KEY = "catalog:pages:stock"
HIT_HEADER = "X-Cache"


def enabled() -> bool:
    return setting_bool("CATALOG_PAGE_CACHE", bool(getattr(settings, "REDIS_URL", "")))


def ttl() -> int:
    return setting_int("CATALOG_PAGE_CACHE_SECONDS", 60)


def _product_pages_key(product_id: int) -> str:
    """The set of the cached pages that show this product."""
    return f"catalog:pages:product:{product_id}"


def _product_stocked_key(product_id: int) -> str:
    """The stock sequence's value at this product's last stock change."""
    return f"catalog:pages:stocked:{product_id}"


def _marker_ttl() -> int:
    # longer than any build: a page whose build began before the change is refused
    return ttl() + 60


# --- invalidation: what the write paths call ------------------------------------------


def catalog_changed() -> None:
    """Drop every cached page once the current transaction commits (at once outside one):
    for a write that may change any page (module docs). Asked once per transaction."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        func is invalidate for _, func, _ in connection.run_on_commit
    ):
        return
    _after_commit(invalidate)


def stock_changed(product_ids: Iterable[int]) -> None:
    """Drop the cached pages that show these products once the current transaction commits
    (at once outside one): for a write of their stock alone."""
    ids = tuple(sorted(set(product_ids)))
    if ids:
        _after_commit(functools.partial(drop_products, ids))


def _after_commit(func: Callable[[], None]) -> None:
    """The one place invalidations are scheduled (the tests' guard watches it)."""
    transaction.on_commit(func, robust=True)


def invalidate() -> None:
    """Drop every cached page (a new version). Never raises: the write that called this
    has happened, and if the cache missed the change, the time limit bounds how long a
    page can show the old rows."""
    if enabled():
        quiet_set(VERSION_KEY, secrets.token_hex(8), None)


def drop_products(product_ids: tuple[int, ...]) -> None:
    """Drop the cached pages that show these products, and keep a page whose build began
    before now from being stored (module docs). Never raises, as `invalidate`."""
    if not enabled() or not product_ids:
        return
    try:
        _index().drop(product_ids)
    except RedisError as exc:
        logger.warning("cache not answering (drop pages): %s", exc)


# --- which products a page shows ------------------------------------------------------

_shown: contextvars.ContextVar[set[int] | None] = contextvars.ContextVar(
    "catalog_pagecache_shown", default=None
)


def note_shown(product_ids: Iterable[int]) -> None:
    """While a page is built: these products are on it (called by the selectors that read
    products for pages; no per-object signal, which every Product built anywhere paid)."""
    shown = _shown.get()
    if shown is not None:
        shown.update(product_ids)


# --- the index of pages by product ------------------------------------------------------
# Two implementations of the same three steps: Redis (scripts, atomic across processes)
# and, for a process-local cache (tests, the embedded default), a lock around the cache.

_STORE = """
local n = tonumber(ARGV[4])
local began = tonumber(ARGV[1])
for i = 2, n + 1 do
  local changed = redis.call('GET', KEYS[i])
  if changed and tonumber(changed) > began then return 0 end
end
redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[2])
for i = n + 2, 2 * n + 1 do
  redis.call('SADD', KEYS[i], KEYS[1])
  redis.call('EXPIRE', KEYS[i], ARGV[2])
end
return 1
"""

_DROP = """
local seq = redis.call('INCR', KEYS[1])
local n = tonumber(ARGV[2])
for i = 2, n + 1 do
  redis.call('SET', KEYS[i], seq, 'EX', ARGV[1])
  local pages = redis.call('SMEMBERS', KEYS[i + n])
  for _, page in ipairs(pages) do redis.call('UNLINK', page) end
  redis.call('UNLINK', KEYS[i + n])
end
return seq
"""


class _RedisIndex:
    def __init__(self, client) -> None:
        self.client = client

    def store(self, key: str, entry: tuple, began: int, products: list[int]) -> bool:
        markers = [cache.make_key(_product_stocked_key(p)) for p in products]
        sets = [cache.make_key(_product_pages_key(p)) for p in products]
        # pickled as Django's Redis cache pickles it, so `cache.get_many` reads it back
        payload = pickle.dumps(entry, pickle.HIGHEST_PROTOCOL)
        keys = [cache.make_key(key), *markers, *sets]
        return bool(
            self.client.eval(_STORE, len(keys), *keys, began, ttl(), payload, len(products))
        )

    def drop(self, products: tuple[int, ...]) -> None:
        markers = [cache.make_key(_product_stocked_key(p)) for p in products]
        sets = [cache.make_key(_product_pages_key(p)) for p in products]
        keys = [cache.make_key(STOCK_SEQ_KEY), *markers, *sets]
        self.client.eval(_DROP, len(keys), *keys, _marker_ttl(), len(products))


class _LocalIndex:
    """The same steps for a cache only this process sees, made atomic by one lock."""

    lock = threading.Lock()

    def store(self, key: str, entry: tuple, began: int, products: list[int]) -> bool:
        with self.lock:
            changed = cache.get_many([_product_stocked_key(p) for p in products])
            if any(seq > began for seq in changed.values()):
                return False
            cache.set(key, entry, ttl())
            for p in products:
                pages = cache.get(_product_pages_key(p)) or set()
                pages.add(key)
                cache.set(_product_pages_key(p), pages, ttl())
            return True

    def drop(self, products: tuple[int, ...]) -> None:
        with self.lock:
            seq = (cache.get(STOCK_SEQ_KEY) or 0) + 1
            cache.set(STOCK_SEQ_KEY, seq, None)
            for p in products:
                cache.set(_product_stocked_key(p), seq, _marker_ttl())
                pages = cache.get(_product_pages_key(p)) or set()
                cache.delete_many([*pages, _product_pages_key(p)])


def _index() -> _RedisIndex | _LocalIndex:
    client = shared_redis()
    return _LocalIndex() if client is None else _RedisIndex(client)


# --- serving --------------------------------------------------------------------------


def page_key(request) -> str:
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    raw = f"{request.scheme}://{request.get_host()}{request.path}?{query}"
    return "catalog:page:" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def cached_page(on_hit: Callable[..., None] | None = None):
    """Serve a view's GET from the cache while the catalog version holds (module docs).
    `on_hit(request, **kwargs)` runs for a cached answer too (a product view is counted)."""

    def decorate(get):
        @functools.wraps(get)
        def wrapper(view, request, *args, **kwargs):
            if not enabled():
                return get(view, request, *args, **kwargs)
            key = page_key(request)
            found = quiet_get_many([VERSION_KEY, STOCK_SEQ_KEY, key])
            if found is None:  # no cache: build the page
                return get(view, request, *args, **kwargs)
            version, entry = found.get(VERSION_KEY), found.get(key)
            if version is not None and entry is not None and entry[0] == version:
                if on_hit is not None:
                    on_hit(request, *args, **kwargs)
                response = HttpResponse(entry[2], content_type=entry[1])
                response[HIT_HEADER] = "hit"
                return response
            if version is None:
                fresh = secrets.token_hex(8)
                version = fresh if quiet_set(VERSION_KEY, fresh, None, only_new=True) else None
            began = found.get(STOCK_SEQ_KEY) or 0
            shown: set[int] = set()
            token = _shown.set(shown)
            try:
                response = get(view, request, *args, **kwargs)
            finally:
                _shown.reset(token)
            response[HIT_HEADER] = "miss"
            if version is not None and response.status_code == 200:
                store = functools.partial(_store, key, version, began, shown)
                response.add_post_render_callback(store)
            return response

        return wrapper

    return decorate


def _store(key: str, version: str, began: int, shown: set[int], response: Any) -> None:
    if ttl() <= 0:
        return
    entry = (version, response["Content-Type"], response.content)
    try:
        _index().store(key, entry, began, sorted(shown))
    except RedisError as exc:  # the page can be built again
        logger.warning("cache not answering (store page): %s", exc)
