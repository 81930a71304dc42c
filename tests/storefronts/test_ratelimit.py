"""BRIEF decision 10: CryptoShop 100 per 15 min per IP, 1000 per 15 min per user, shared
through the cache (Redis when configured), with headers on every response."""

import time

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.test import APIClient

from accounts.services.cryptoshop_auth import cryptoshop_user_register
from storefronts import ratelimit
from storefronts.cryptoshop.base import ANONYMOUS_RULE, USER_RULE
from tests.helpers.cryptoshop import client_with

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.helpers.urls")]

URL = "/cryptoshop/api/test/list"
PROTECTED = "/cryptoshop/api/test/protected"
IP = "ip:127.0.0.1"


def prime(rule: ratelimit.Rule, ident: str, count: int) -> None:
    """Spend `count` of the budget without `count` HTTP requests."""
    for _ in range(count):
        ratelimit.hit(rule, ident)


def test_every_response_carries_the_rate_limit_headers(api):
    response = api.get(URL)
    assert response["X-RateLimit-Limit"] == "100"
    assert response["X-RateLimit-Remaining"] == "99"
    reset = int(response["X-RateLimit-Reset"])
    assert time.time() < reset <= time.time() + 15 * 60 + 1
    assert "Retry-After" not in response


def test_the_101st_anonymous_request_is_refused_with_429(api):
    prime(ANONYMOUS_RULE, IP, 99)
    last_allowed = api.get(URL)
    assert last_allowed.status_code == 200
    assert last_allowed["X-RateLimit-Remaining"] == "0"
    refused = api.get(URL)
    assert refused.status_code == 429
    assert refused.json() == {
        "success": False,
        "error": "Rate limit exceeded",
        "code": "RATE_LIMIT_EXCEEDED",
        "details": {},
    }
    assert refused["X-RateLimit-Limit"] == "100"
    assert refused["X-RateLimit-Remaining"] == "0"
    assert int(refused["X-RateLimit-Reset"]) > time.time()
    assert 0 < int(refused["Retry-After"]) <= 15 * 60


def test_another_ip_has_its_own_budget(api):
    prime(ANONYMOUS_RULE, IP, 100)
    assert api.get(URL).status_code == 429
    assert api.get(URL, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_a_signed_in_user_has_1000_keyed_by_user_not_ip(api):
    account = cryptoshop_user_register()
    other = cryptoshop_user_register()
    prime(USER_RULE, f"user:{account.user.pk}", 999)
    client = client_with(account.access_token)
    last = client.get(PROTECTED)
    assert last.status_code == 200
    assert last["X-RateLimit-Limit"] == "1000" and last["X-RateLimit-Remaining"] == "0"
    refused = client.get(PROTECTED)
    assert refused.status_code == 429 and refused.json()["code"] == "RATE_LIMIT_EXCEEDED"
    # the same IP, anonymous or as another user, is unaffected
    assert api.get(URL).status_code == 200
    assert client_with(other.access_token).get(PROTECTED).status_code == 200


def test_two_clients_share_one_budget_through_the_cache():
    if settings.REDIS_URL:
        assert isinstance(caches["default"], RedisCache)
    prime(ANONYMOUS_RULE, IP, 98)
    first, second = APIClient(), APIClient()
    assert first.get(URL)["X-RateLimit-Remaining"] == "1"
    assert second.get(URL)["X-RateLimit-Remaining"] == "0"
    assert first.get(URL).status_code == 429


def test_a_bad_token_still_spends_the_anonymous_budget(api):
    refused = client_with("cs_not_a_token").get(PROTECTED)
    assert refused.status_code == 401
    assert refused["X-RateLimit-Limit"] == "100"
    assert refused["X-RateLimit-Remaining"] == "99"
    prime(ANONYMOUS_RULE, IP, 99)
    assert client_with("cs_not_a_token").get(PROTECTED).status_code == 429


def test_techaven_general_budget_is_100_per_minute(api):
    response = api.get("/techaven/api/no/such/path")
    assert response.status_code == 404
    assert response["X-RateLimit-Limit"] == "100"


def test_the_limit_holds_for_every_window_span_not_per_clock_window(monkeypatch):
    """Security finding 11: a fixed window let 2 × limit through across its edge."""
    from storefronts import ratelimit

    rule = ratelimit.Rule("test:sliding", 10, 60)
    clock = [1_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock[0])
    clock[0] = 1_000_000 * 1.0 - 1_000_000 % 60 + 59.0  # one second before a minute's edge
    assert all(ratelimit.hit(rule, "ip:1").allowed for _ in range(10))
    clock[0] += 2  # past the clock minute's edge: a fixed window would start afresh here
    refused = ratelimit.hit(rule, "ip:1")
    assert not refused.allowed and refused.retry_after == 58
    clock[0] += 58  # the first ten leave the window together
    assert ratelimit.hit(rule, "ip:1").allowed
    assert sum(ratelimit.hit(rule, "ip:1").allowed for _ in range(20)) == 9
