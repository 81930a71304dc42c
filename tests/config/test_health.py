"""Routing by host, health endpoints."""

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_healthz_answers_200(api):
    response = api.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_the_database_and_redis_when_configured(api):
    response = api.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    if settings.REDIS_URL:
        assert body["checks"]["redis"] == "ok"
    else:
        assert "redis" not in body["checks"]


def test_readyz_is_unavailable_while_redis_does_not_answer(api):
    dead = {"default": {"BACKEND": "core.cache.SharedRedisCache",
                        "LOCATION": "redis://127.0.0.1:1/0"}}  # fmt: skip
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0", CACHES=dead):
        response = api.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["checks"]) == (
        "unavailable",
        {"database": "ok", "redis": "unreachable"},
    )


@override_settings(
    TECHAVEN_HOSTS=["api.techaven.test"], ALLOWED_HOSTS=["api.techaven.test", "testserver"]
)
def test_a_techaven_host_serves_techaven_at_the_documented_paths():
    client = APIClient(HTTP_HOST="api.techaven.test")  # a new client loads the middleware anew
    response = client.get("/api/no/such/thing")
    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"success", "message", "errors"}
    assert client.get("/healthz").status_code == 200
    # the same path answers as Techaven's register, never CryptoShop's
    register = client.post("/api/auth/register", {}, format="json")
    assert register.status_code == 400
    assert set(register.json()) == {"success", "message", "errors"}
    assert "email" in register.json()["errors"]


@override_settings(
    CRYPTOSHOP_HOSTS=["api.cryptoshop.test"], ALLOWED_HOSTS=["api.cryptoshop.test", "testserver"]
)
def test_a_cryptoshop_host_serves_cryptoshop_at_the_documented_paths():
    client = APIClient(HTTP_HOST="api.cryptoshop.test:8443")
    response = client.post("/api/auth/register", {}, format="json")
    assert response.status_code == 201
    assert response.json()["data"]["accessToken"].startswith("cs_")
    assert client.get("/api/no/such").json()["code"] == "RESOURCE_NOT_FOUND"


@override_settings(CRYPTOSHOP_HOSTS=["api.cryptoshop.test"])
def test_other_hosts_keep_the_prefixed_paths():
    client = APIClient()
    assert client.post("/cryptoshop/api/auth/register", {}, format="json").status_code == 201
    assert client.post("/api/auth/register", {}, format="json").status_code == 404
