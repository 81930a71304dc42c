import pytest
from celery._state import _set_task_join_will_block
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.services.sessions import techaven_session_start
from config.celery import app as celery_app
from storefronts import ratelimit
from tests.helpers.pagecache import install as pagecache_guard_install
from tests.helpers.pagecache import uninstall as pagecache_guard_uninstall

pytest_plugins = [
    "tests.fixtures.cryptoshop",
    "tests.fixtures.events",
    "tests.fixtures.orders",
    "tests.fixtures.payments",
]

TECHAVEN = "/techaven/api"
CRYPTOSHOP = "/cryptoshop/api"


def _clear_cache() -> None:
    """Forget this test run's cached keys only (never FLUSHDB a Redis that others share)."""
    if settings.REDIS_URL:
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{settings.CACHE_KEY_PREFIX}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()
    ratelimit.local_reset()


@pytest.fixture(scope="session", autouse=True)
def _celery_eager():
    """Tasks run in-process during tests; outbox tests that need a broker switch this off."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield


@pytest.fixture(autouse=True)
def _celery_joins_allowed():
    """Eager tasks deny `.get()` while they run through a process-wide flag that is not
    thread-safe: tests that run eager tasks in parallel threads can leave it set. Each test
    starts with it clear."""
    _set_task_join_will_block(False)
    yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and other cached state never leak from one test to the next."""
    _clear_cache()
    yield
    _clear_cache()


@pytest.fixture(autouse=True)
def _catalog_page_cache(settings):
    """Public catalog pages are served from the cache in every test, on SQLite too (the
    cache is cleared between tests), so every test that writes and reads again checks
    that the write reached the cached pages (catalog/pagecache.py)."""
    settings.CATALOG_PAGE_CACHE = True


@pytest.fixture(autouse=True)
def pagecache_guard(monkeypatch):
    """Every write the code makes to what the cached catalog pages show asks for the
    matching invalidation (tests/helpers/pagecache.py); a test whose code forgets fails."""
    guard = pagecache_guard_install(monkeypatch)
    yield guard
    pagecache_guard_uninstall(guard)
    failures = guard.verdict()
    if failures:
        pytest.fail(
            "written without asking catalog/pagecache.py to drop the pages that show it:\n"
            + "\n".join(failures),
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 at full strength costs ~0.3 s a check; tests check many passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def techaven_client(user) -> APIClient:
    """A client signed in to Techaven as `user` with a real JWT (a real login session)."""
    client = APIClient()
    token = techaven_session_start(user=user).access_token
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    client.user = user
    return client


def cryptoshop_client(access_token: str) -> APIClient:
    """A client that sends a CryptoShop access (or session) token as its Bearer."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token}")
    return client


@pytest.fixture
def api():
    return APIClient()
