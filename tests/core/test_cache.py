import threading

import pytest
from django.conf import settings
from django.core.cache import caches


@pytest.mark.skipif(not settings.REDIS_URL, reason="the shared pool is the Redis backend's")
def test_every_thread_shares_one_redis_connection_pool():
    # Django makes a cache object per thread (per request under ASGI); they must not each
    # open their own connections
    seen = []

    def use_cache():
        cache = caches["default"]
        cache.set("shared-pool-probe", 1)
        seen.append((cache, cache._cache))

    threads = [threading.Thread(target=use_cache) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(cache) for cache, _ in seen}) == 3
    assert len({id(client) for _, client in seen}) == 1
    assert caches["default"].get("shared-pool-probe") == 1


@pytest.mark.skipif(not settings.REDIS_URL, reason="the shared client is the Redis backend's")
def test_cache_calls_reuse_one_redis_client_per_pool():
    # Django built a redis.Redis (with its table of callbacks) for every get and set
    client = caches["default"]._cache
    assert client.get_client("a") is client.get_client("b")
    assert client.get_client("a", write=True) is client.get_client("b", write=True)
