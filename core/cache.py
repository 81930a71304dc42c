"""The Redis cache backend, with one connection pool per process.

Django keeps a cache object per request context, and its `RedisCache` builds a new client,
hence a new connection pool, for each cache object. Under ASGI every request is a new
context, so every request that touched the cache (a cached count, a rate limit) opened a
new Redis connection, handshake included, and dropped it at the end. Here the client is
made once per process and location and shared: redis-py pools are thread-safe, and a
pool notices a fork (Celery, uvicorn workers) and starts afresh in the child.
"""

from __future__ import annotations

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

_clients: dict[tuple, RedisCacheClient] = {}
_lock = threading.Lock()


class SharedRedisCache(RedisCache):
    @cached_property
    def _cache(self) -> RedisCacheClient:
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client
