"""Bad input answers 400 in the storefront's format, never 500 (issue 12, finding 13): a NUL
character in a path, a query or a body (PostgreSQL refuses NUL in text), and JSON nested
deeper than anything the contracts send (Python's parser runs out of stack at ~1,000)."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator

from accounts.services.cryptoshop_auth import cryptoshop_user_register
from storefronts.parsers import MAX_JSON_DEPTH
from tests.conftest import CRYPTOSHOP, TECHAVEN, cryptoshop_client, techaven_client
from tests.factories.accounts import TechavenUserFactory

pytestmark = pytest.mark.django_db

NUL = "Null characters are not allowed."
TH_KEYS = {"success", "message", "errors"}
CS_KEYS = {"success", "error", "code", "details"}


def nested(depth: int) -> bytes:
    return b'{"a":' * (depth - 1) + b"{}" + b"}" * (depth - 1)


# --- NUL in the path or the query ----------------------------------------------------------


def test_a_nul_in_the_path_is_a_400_in_each_storefronts_format(api):
    th = api.get(f"{TECHAVEN}/orders/ord_%00x")
    assert th.status_code == 400
    assert th.json() == {"success": False, "message": NUL, "errors": {}}
    cs = api.put(f"{CRYPTOSHOP}/products/product_%00x", {}, format="json")
    assert cs.status_code == 400
    assert cs.json() == {
        "success": False,
        "error": NUL,
        "code": "VALIDATION_ERROR",
        "details": {},
    }


def test_a_nul_in_the_query_names_the_parameter(api):
    cs = api.get(f"{CRYPTOSHOP}/products", {"search": "phone\x00", "page": "1"})
    assert cs.status_code == 400
    assert cs.json()["details"] == {"search": [NUL]}
    th = api.get(f"{TECHAVEN}/search", {"q": "\x00"})
    assert th.status_code == 400
    assert th.json() == {"success": False, "message": NUL, "errors": {"q": [NUL]}}
    encoded = api.get(f"{TECHAVEN}/products?sort_by=%00")
    assert encoded.status_code == 400 and encoded.json()["errors"] == {"sort_by": [NUL]}


def test_a_nul_outside_the_storefronts_is_a_plain_json_400(api):
    for url in ("/admin/accounts/user/?q=%00", "/seller/api/products/x%00", "/pay/%00"):
        response = api.get(url)
        assert response.status_code == 400, url
        assert response.json() == {"detail": NUL}


def test_an_escaped_percent_is_no_nul(api):
    """`%2500` is the text "%00", not a NUL character."""
    response = api.get(f"{CRYPTOSHOP}/products", {"search": "%00"})
    assert response.status_code == 200


# --- NUL in a body, JSON nested too deep -----------------------------------------------------


@pytest.mark.urls("tests.helpers.urls")
def test_a_nul_in_a_json_string_is_a_400_naming_where(api):
    body = {"a": {"b": ["fine", "bad\x00"]}, "c": "ok"}
    response = api.post(f"{TECHAVEN}/test/echo", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"success": False, "message": NUL, "errors": {"a.b.1": [NUL]}}
    key = api.post(f"{TECHAVEN}/test/echo", {"a": {"k\x00": 1}}, format="json")
    assert key.status_code == 400 and key.json()["errors"] == {"a": [NUL]}
    escaped = api.post(
        f"{TECHAVEN}/test/echo", b'{"x": "\\u0000"}', content_type="application/json"
    )
    assert escaped.status_code == 400 and escaped.json()["errors"] == {"x": [NUL]}


@pytest.mark.urls("tests.helpers.urls")
def test_a_nul_in_a_form_field_is_a_400(api):
    multipart = api.post(f"{TECHAVEN}/test/echo", {"note": "a\x00b"}, format="multipart")
    assert multipart.status_code == 400
    assert multipart.json()["errors"] == {"note": [NUL]}
    form = api.post(
        f"{TECHAVEN}/test/echo", "note=a%00b", content_type="application/x-www-form-urlencoded"
    )
    assert form.status_code == 400 and form.json()["errors"] == {"note": [NUL]}


@pytest.mark.parametrize(
    "url",
    [
        f"{CRYPTOSHOP}/auth/login",
        f"{CRYPTOSHOP}/products",
        f"{TECHAVEN}/auth/login",
        f"{TECHAVEN}/auth/register",
        f"{TECHAVEN}/auth/forgot-password",
    ],
)
def test_json_nested_a_thousand_deep_is_a_400(api, url):
    response = api.post(url, nested(1000), content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == (CS_KEYS if url.startswith(CRYPTOSHOP) else TH_KEYS)
    message = body.get("error") or body.get("message")
    assert message == f"Malformed request: JSON nested deeper than {MAX_JSON_DEPTH} levels."


@pytest.mark.urls("tests.helpers.urls")
def test_json_as_deep_as_the_limit_is_read(api):
    ok = api.post(f"{TECHAVEN}/test/echo", nested(MAX_JSON_DEPTH), content_type="application/json")
    assert ok.status_code == 200
    deeper = nested(MAX_JSON_DEPTH + 1)
    too_deep = api.post(f"{TECHAVEN}/test/echo", deeper, content_type="application/json")
    assert too_deep.status_code == 400
    lists = b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1)
    assert (
        api.post(f"{TECHAVEN}/test/echo", lists, content_type="application/json").status_code == 400
    )


# --- every route ------------------------------------------------------------------------------

PREFIXES = (
    "addr", "pm", "item", "ord", "order", "escrow", "product", "seller", "vnd", "webhook",
    "notif", "tkt", "ticket",
)  # fmt: skip


def operations(storefront: str):
    schema = SchemaGenerator(urlconf=f"storefronts.{storefront}.urls").get_schema(public=True)
    for route, methods in schema["paths"].items():
        for method, op in methods.items():
            query = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
            yield route.removeprefix("/api"), method, query


@pytest.fixture
def signed_in(settings):
    settings.RATELIMIT_ENABLED = False
    th = techaven_client(TechavenUserFactory())
    cs = cryptoshop_client(cryptoshop_user_register().access_token)
    return {"techaven": (TECHAVEN, th), "cryptoshop": (CRYPTOSHOP, cs)}


def assert_refused(response, storefront: str, what: str) -> None:
    assert response.status_code in (400, 404), (what, response.status_code, response.content)
    keys = TH_KEYS if storefront == "techaven" else CS_KEYS
    assert set(response.json()) == keys, what


@pytest.mark.parametrize("storefront", ["techaven", "cryptoshop"])
def test_no_route_answers_500_to_a_nul_in_its_path_or_query(signed_in, storefront):
    """Every operation of the served schema, signed in: each path parameter as a NUL behind
    each id prefix, and each query parameter as a NUL. On PostgreSQL these reached the
    database and answered 500."""
    root, client = signed_in[storefront]
    for route, method, query in operations(storefront):
        send = getattr(client, method)
        if "{" in route:
            for prefix in ("", *(f"{p}_" for p in PREFIXES)):
                url = root + re.sub(r"\{[^}]+\}", f"{prefix}%00x", route)
                assert_refused(send(url, {}, format="json"), storefront, f"{method} {url}")
        filled = root + re.sub(r"\{[^}]+\}", "x", route)
        for name in query:
            url = f"{filled}?{name}=a%00b"
            response = send(url) if method == "get" else send(url, {}, format="json")
            assert_refused(response, storefront, f"{method} {url}")
            assert response.json().get("errors", response.json().get("details")) == {name: [NUL]}


@pytest.mark.parametrize("storefront", ["techaven", "cryptoshop"])
def test_no_route_answers_500_to_json_nested_a_thousand_deep(signed_in, storefront):
    root, client = signed_in[storefront]
    for route, method, _ in operations(storefront):
        if method not in ("post", "put", "patch"):
            continue
        url = root + re.sub(r"\{[^}]+\}", "x", route)
        response = getattr(client, method)(url, nested(1000), content_type="application/json")
        # 400, or what a view answers without reading the body (403, 404, register's 201)
        assert response.status_code < 500, (method, url, response.content)
        if response.status_code >= 400:
            keys = TH_KEYS if storefront == "techaven" else CS_KEYS
            assert set(response.json()) == keys


@pytest.mark.skipif(not settings.USES_POSTGRES, reason="SQLite stores NUL; PostgreSQL refuses it")
def test_the_probes_order_request_is_a_400_on_postgresql(signed_in):
    _, client = signed_in["techaven"]
    response = client.get(f"{TECHAVEN}/orders/ord_%00x")
    assert response.status_code == 400
    assert response.json() == {"success": False, "message": NUL, "errors": {}}


def test_nul_checks_leave_ordinary_requests_alone(api):
    assert api.get(f"{CRYPTOSHOP}/products", {"search": "caf\u00e9 100%"}).status_code == 200
    response = api.post(
        f"{CRYPTOSHOP}/auth/login",
        json.dumps({"accessToken": "cs_nothing"}),
        content_type="application/json",
    )
    assert response.status_code == 401


def test_the_parsers_are_the_defaults_of_every_drf_view():
    assert settings.REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] == [
        "storefronts.parsers.JSONParser",
        "storefronts.parsers.MultiPartParser",
        "storefronts.parsers.FormParser",
    ]


# the hostile values, as they travel in a URL (a long run, unicode, a bare percent
# sign, a climb out of the path, numbers a parser may choke on)
HOSTILE = ("x" * 10_000, "%C3%BC%C3%B1%C3%AF%E2%9C%93", "%25", "..%2F..%2Fetc%2Fpasswd",
           "%2E%2E", "-1", "0", "99999999999999999999999", "1e309", "null")  # fmt: skip


@pytest.mark.parametrize("storefront", ["techaven", "cryptoshop"])
def test_no_route_answers_500_to_hostile_path_or_query_values(signed_in, storefront):
    """The hostile-values gate (issue 12): every operation of the served schema, signed in,
    each path and each query parameter in turn given each hostile value: never a 500, and a
    refusal is in the storefront's format."""
    root, client = signed_in[storefront]
    keys = TH_KEYS if storefront == "techaven" else CS_KEYS
    for route, method, query in operations(storefront):
        send = getattr(client, method)
        for value in HOSTILE:
            urls = []
            if "{" in route:
                urls.append(root + re.sub(r"\{[^}]+\}", value, route))
            filled = root + re.sub(r"\{[^}]+\}", "x", route)
            urls += [f"{filled}?{name}={value}" for name in query]
            for url in urls:
                response = (
                    send(url) if method in ("get", "delete") else send(url, {}, format="json")
                )
                what = f"{method.upper()} {url[:120]}"
                assert response.status_code < 500, (what, response.status_code)
                if response.status_code >= 400 and response.status_code != 405:
                    assert set(response.json()) == keys, what
