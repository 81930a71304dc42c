"""The Redis cache backend, with one connection pool per process.

Django keeps a cache object per request context, and its `RedisCache` builds a new client,
hence a new connection pool, for each cache object. Under ASGI every request is a new
context, so every request that touched the cache (a cached count, a rate limit) opened a
new Redis connection, handshake included, and dropped it at the end. Here the client is
made once per process and location and shared: redis-py pools are thread-safe, and a
pool notices a fork (Celery, uvicorn workers) and starts afresh in the child. The
`redis.Redis` object in front of each pool is made once too: Django makes one per call, and
building it (its table of response callbacks) cost more than the GET it was made for.
"""

from __future__ import annotations

import logging
import threading

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

_clients: dict[tuple, RedisCacheClient] = {}
_lock = threading.Lock()


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client, with one `redis.Redis` per pool (thread-safe: each command takes a
    connection from the pool) instead of a new one per cache call."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class SharedRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    @cached_property
    def _cache(self) -> RedisCacheClient:
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client


def shared_redis():
    """The default cache's Redis client (its shared pool), or None when the cache is not
    Redis (the embedded default): for what needs Redis itself, not a cache's get and set."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    return backend._cache.get_client(write=True)


def shared_redis_key(name: str) -> str:
    """`name` as the cache writes it (its prefix and version), for `shared_redis()`'s own
    commands (locks, hashes) beside the cache's keys."""
    return caches["default"].make_key(name)


def first_mark(key: str, seconds: int) -> bool:
    """Set the mark `key` for `seconds` unless it is set: True when this call set it, or
    when the cache does not answer (the caller then goes ahead, as it would without the
    mark). For "do this at most once in a while" across processes."""
    try:
        return cache.add(key, 1, timeout=seconds)
    except RedisError as exc:
        logger.warning("cache not answering (mark %s): %s", key, exc)
        return True


def mark_drop(key: str) -> None:
    """Drop the mark `key` (`first_mark`); a cache that does not answer lets it expire."""
    try:
        cache.delete(key)
    except RedisError as exc:
        logger.warning("cache not answering (mark %s): %s", key, exc)


# --- reads and writes that a cache outage must not turn into errors --------------------
# A cache holds nothing that cannot be computed again: when it does not answer, callers
# compute (and the outage is logged, not raised). Other errors are bugs: they raise.


def quiet_get_many(keys: list[str]) -> dict | None:
    """`cache.get_many`, or None when the cache does not answer."""
    try:
        return cache.get_many(keys)
    except RedisError as exc:  # one line a request while it lasts, no traceback
        logger.warning("cache not answering (get_many): %s", exc)
        return None


def quiet_get(key: str):
    found = quiet_get_many([key])
    return None if found is None else found.get(key)


def quiet_set(key: str, value, timeout: int | None, *, only_new: bool = False) -> bool:
    """`cache.set` (or `cache.add` with `only_new`); False when not stored."""
    try:
        if only_new:
            return cache.add(key, value, timeout=timeout)
        cache.set(key, value, timeout=timeout)
        return True
    except RedisError as exc:  # the value can be computed again
        logger.warning("cache not answering (set): %s", exc)
        return False
