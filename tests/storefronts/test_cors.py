"""Browser pages on other origins: CORS on the storefront APIs (django-cors-headers), from
`CORS_ALLOWED_ORIGINS` only. Socket.IO and /ws/: tests/notifications."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from tests.conftest import CRYPTOSHOP, TECHAVEN
from tests.helpers.settings import PRODUCTION
from wallet.bitcoin import DEVELOPMENT_ZPUB

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SHOP = "https://shop.example"
ELSEWHERE = "https://elsewhere.example"


@pytest.fixture(autouse=True)
def _origins(settings):
    settings.CORS_ALLOWED_ORIGINS = [SHOP, "http://localhost:5173"]


def preflight(client: APIClient, path: str, origin: str, headers: str = "authorization"):
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": headers,
        },
    )


def _listed(value: str) -> set[str]:
    return {part.strip().lower() for part in value.split(",")}


@pytest.mark.parametrize("root", [TECHAVEN, CRYPTOSHOP])
def test_a_preflight_from_an_allowed_origin_is_answered_with_the_cors_headers(root):
    response = preflight(APIClient(), f"{root}/cart/items", SHOP, "authorization, idempotency-key")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SHOP
    assert {"post", "put", "delete"} <= _listed(response["Access-Control-Allow-Methods"])
    assert {"authorization", "content-type", "idempotency-key"} <= _listed(
        response["Access-Control-Allow-Headers"]
    )
    assert int(response["Access-Control-Max-Age"]) > 0
    # tokens travel in headers, never cookies
    assert "Access-Control-Allow-Credentials" not in response


@pytest.mark.parametrize("root", [TECHAVEN, CRYPTOSHOP])
def test_a_preflight_from_another_origin_gets_no_cors_headers(root):
    for origin in (ELSEWHERE, "http://localhost:3000", "null", f"{SHOP}.evil.example"):
        response = preflight(APIClient(), f"{root}/cart/items", origin)
        assert "Access-Control-Allow-Origin" not in response, origin
        assert "Access-Control-Allow-Headers" not in response


@pytest.mark.parametrize("root", [TECHAVEN, CRYPTOSHOP])
def test_answers_to_an_allowed_origin_expose_the_rate_limit_and_replay_headers(root):
    response = APIClient().get(f"{root}/products", headers={"Origin": SHOP})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SHOP
    assert "origin" in _listed(response["Vary"])
    exposed = _listed(response["Access-Control-Expose-Headers"])
    assert {
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "retry-after",
        "idempotent-replayed",
    } <= exposed
    assert "X-RateLimit-Remaining" in response
    # and an error in the storefront's format reaches the page too
    missing = APIClient().get(f"{root}/no/such/thing", headers={"Origin": SHOP})
    assert missing.status_code == 404
    assert missing["Access-Control-Allow-Origin"] == SHOP
    other = APIClient().get(f"{root}/products", headers={"Origin": ELSEWHERE})
    assert "Access-Control-Allow-Origin" not in other


@pytest.mark.parametrize("path", ["/seller/api/products/", "/admin/login/", "/healthz", "/pay/x"])
def test_nothing_outside_the_storefront_apis_answers_another_origin(path):
    response = APIClient().get(path, headers={"Origin": SHOP})
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Origin" not in preflight(APIClient(), path, SHOP)


@override_settings(
    TECHAVEN_HOSTS=["api.techaven.test"], ALLOWED_HOSTS=["api.techaven.test", "testserver"]
)
def test_a_storefront_host_answers_allowed_origins_at_its_api_paths():
    client = APIClient(HTTP_HOST="api.techaven.test")  # a new client loads the middleware anew
    response = preflight(client, "/api/cart/items", SHOP)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SHOP
    assert "Access-Control-Allow-Origin" not in preflight(client, "/api/cart/items", ELSEWHERE)
    # `/api/` on a host that serves no storefront is no storefront API
    assert "Access-Control-Allow-Origin" not in preflight(APIClient(), "/api/cart/items", SHOP)


def _origins_setting(env: dict[str, str], drop: tuple[str, ...] = ()) -> list[str]:
    script = (
        "import json, django; django.setup()\n"
        "from django.conf import settings\n"
        "print(json.dumps(settings.CORS_ALLOWED_ORIGINS))\n"
    )
    base = {k: v for k, v in os.environ.items() if k not in drop}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**base, **env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_origin_is_allowed_by_default_with_debug_off_and_the_environment_lists_them():
    live = {**PRODUCTION, "PAYMENTS_SANDBOX": "true", "BTC_XPUB": DEVELOPMENT_ZPUB}
    assert _origins_setting(live, drop=("CORS_ALLOWED_ORIGINS",)) == []
    listed = {**live, "CORS_ALLOWED_ORIGINS": "https://techaven.mw, https://shop.cryptoshop.io/"}
    assert _origins_setting(listed) == ["https://techaven.mw", "https://shop.cryptoshop.io"]
    # local front-end servers only in development
    assert "http://localhost:5173" in _origins_setting(
        {"DEBUG": "true"}, drop=("CORS_ALLOWED_ORIGINS",)
    )
