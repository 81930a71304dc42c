"""Security finding 12: transport and headers. HSTS and the TLS proxy's scheme header only
when switched on, a Content-Security-Policy on every page (the admin, the sandbox payment
pages, Swagger UI), and `?access_token=` kept out of the access log."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import time
from base64 import b64encode
from hashlib import sha256
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.test import Client

from config.logfilters import RedactCredentials
from tests.conftest import TECHAVEN, techaven_client
from tests.factories.accounts import StaffUserFactory, TechavenUserFactory
from tests.factories.catalog import ShopFactory
from tests.helpers.servers import make_serve_process
from tests.helpers.settings import PRODUCTION
from wallet.bitcoin import DEVELOPMENT_ZPUB

ROOT = Path(settings.BASE_DIR)

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy_of(response) -> dict[str, str]:
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = [d.strip().split(None, 1) for d in header.split(";") if d.strip()]
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


def inline_code(html: str) -> list[str]:
    """Inline scripts and styles, which the policy refuses: `<script>` without `src`,
    `<style>`, `style="..."` and `on...="..."` attributes."""
    return re.findall(
        r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>|<style\b|"
        r"\sstyle=\"|\son[a-z]+=\"",
        html,
    )


# --- Content-Security-Policy ------------------------------------------------------------
@pytest.mark.django_db
def test_the_admin_carries_the_policy_and_needs_nothing_inline():
    assert policy_of(Client().get("/admin/login/")) == POLICY
    staff = Client()
    staff.force_login(StaffUserFactory(is_superuser=True))
    for url in ("/admin/", "/admin/wallet/withdrawal/", "/admin/axes/accesslog/"):
        page = staff.get(url)
        assert page.status_code == 200 and policy_of(page) == POLICY
        assert inline_code(page.content.decode()) == [], url


@pytest.mark.django_db
def test_the_sandbox_payment_pages_carry_the_policy_and_need_nothing_inline():
    response = techaven_client(TechavenUserFactory()).post(
        f"{TECHAVEN}/wallet/topup",
        {"amount": 10_000, "payment_method": "mobile_money", "phone_number": "+265991234567"},
    )
    payment_url = response.json()["data"]["payment_url"]
    for url in ("/pay/" + payment_url.split("/pay/", 1)[1], "/pay/sandbox/btc/"):
        page = Client().get(url)
        assert page.status_code == 200 and policy_of(page) == POLICY
        assert inline_code(page.content.decode()) == [], url


@pytest.mark.django_db
@pytest.mark.parametrize("storefront", ["techaven", "cryptoshop"])
def test_swagger_ui_carries_the_policy_and_loads_its_script_from_the_server(storefront):
    page = Client().get(f"/{storefront}/api/docs/")
    assert page.status_code == 200 and policy_of(page) == POLICY
    html = page.content.decode()
    assert inline_code(html) == []
    [script] = re.findall(r'<script src="([^"]*script=[^"]*)"', html)
    init = Client().get(script.replace("&amp;", "&"))
    assert init.status_code == 200 and init["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in init.content.decode()
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert Client().get(asset).status_code == 200, asset


@pytest.mark.django_db
def test_the_seller_back_office_adds_inline_styles_and_its_logout_handler_only():
    """DRF's browsable pages style with attributes and log out through an inline onclick;
    that handler alone is let through, by its hash (the browser test clicks it)."""
    seller = Client()
    seller.force_login(ShopFactory(owner=TechavenUserFactory()).owner)
    logout = "'sha256-" + b64encode(
        sha256(b'document.getElementById("logoutForm").submit()').digest()
    ).decode() + "'"  # fmt: skip
    expected = {
        **POLICY,
        "style-src": "'self' 'unsafe-inline'",
        "script-src": f"'self' 'unsafe-hashes' {logout}",
    }
    for response in (
        Client().get("/seller/api/auth/login/"),
        seller.get("/seller/api/"),
        seller.get("/seller/api/products/", HTTP_ACCEPT="text/html"),
    ):
        assert response.status_code == 200 and policy_of(response) == expected
    assert "onclick='document.getElementById(\"logoutForm\").submit()'" in (
        seller.get("/seller/api/", HTTP_ACCEPT="text/html").content.decode()
    )


@pytest.mark.django_db
def test_api_answers_carry_the_policy_too(api):
    assert policy_of(api.get(f"{TECHAVEN}/app/info")) == POLICY
    assert policy_of(api.get("/cryptoshop/api/nowhere")) == POLICY


# --- HSTS and the TLS proxy -------------------------------------------------------------
@pytest.mark.django_db
def test_hsts_is_sent_on_https_answers_when_configured(settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert "Strict-Transport-Security" not in Client().get("/admin/login/")
    for response in (
        Client().get("/admin/login/", secure=True),
        Client().get("/admin/login/", HTTP_X_FORWARDED_PROTO="https"),
    ):
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def _answer(env: dict[str, str], path: str, **headers: str) -> dict:
    """Status and headers of one request, in a process whose settings read `env`."""
    headers = {name.replace("_", "-"): value for name, value in headers.items()}
    script = (
        "import json, django; django.setup()\n"
        "from django.test import Client\n"
        f"r = Client().get({path!r}, headers={headers!r})\n"
        "print(json.dumps({'status': r.status_code, 'headers': dict(r.headers)}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


LIVE = {**PRODUCTION, "PAYMENTS_SANDBOX": "true", "BTC_XPUB": DEVELOPMENT_ZPUB}


def test_behind_a_tls_proxy_https_answers_carry_hsts_for_a_year():
    answer = _answer({**LIVE, "TLS_PROXY": "true"}, "/admin/login/", X_Forwarded_Proto="https")
    assert answer["status"] == 200
    hsts = answer["headers"]["Strict-Transport-Security"]
    assert hsts == "max-age=31536000; includeSubDomains"


def test_behind_a_tls_proxy_plain_http_is_redirected_except_the_health_probes():
    env = {**LIVE, "TLS_PROXY": "true"}
    answer = _answer(env, "/admin/login/")
    assert answer["status"] == 301
    assert answer["headers"]["Location"] == "https://testserver/admin/login/"
    assert _answer(env, "/healthz")["status"] == 200
    assert _answer({**env, "SECURE_SSL_REDIRECT": "false"}, "/admin/login/")["status"] == 200


def test_without_the_switch_a_forged_scheme_header_is_not_believed():
    answer = _answer(LIVE, "/admin/login/", X_Forwarded_Proto="https")
    assert answer["status"] == 200
    assert "Strict-Transport-Security" not in answer["headers"]


def test_debug_never_redirects_nor_sends_hsts():
    env = {"DEBUG": "true", "TLS_PROXY": "true", "SECURE_SSL_REDIRECT": "true"}
    assert _answer(env, "/admin/login/")["status"] == 200
    answer = _answer(env, "/admin/login/", X_Forwarded_Proto="https")
    assert "Strict-Transport-Security" not in answer["headers"]


# --- the access log ---------------------------------------------------------------------
@pytest.mark.slow
def test_access_tokens_are_kept_out_of_the_server_log():
    """Through the sockets process started as `make serve` starts it (uvicorn, as `make run`
    serves everything): uvicorn logs every request line, query string included (the access
    log), and each WebSocket it accepts."""
    import websocket

    with make_serve_process("uvicorn") as server:
        base = server.url
        httpx.get(f"{base}/seller/api/?access_token=csk_SECRET1", timeout=10)
        httpx.get(f"{base}/cryptoshop/api/products?page=1&access_token=csk_SECRET2&limit=2")
        httpx.get(f"{base}/cryptoshop/api/nowhere?accessToken=csk_SECRET3", timeout=10)
        ws = websocket.create_connection(f"{base.replace('http', 'ws')}/ws/?token=csk_SECRET4")
        ws.close()
        time.sleep(0.5)
    log = server.log
    text = log.read_text()
    assert "GET /cryptoshop/api/products?page=1&access_token=[redacted]&limit=2" in text, text
    assert "GET /seller/api/?access_token=[redacted]" in text
    assert "GET /cryptoshop/api/nowhere?accessToken=[redacted]" in text
    assert "WebSocket /ws/?token=[redacted]" in text
    assert "SECRET" not in text


@pytest.mark.slow
def test_the_http_workers_access_log_has_no_query_string():
    """Through the HTTP API's process started as `make serve` starts it (gunicorn): each
    request is logged with its path alone."""
    with make_serve_process("gunicorn") as server:
        base = server.url
        httpx.get(f"{base}/seller/api/?access_token=csk_SECRET1", timeout=10)
        httpx.get(f"{base}/cryptoshop/api/products?page=1&access_token=csk_SECRET2&limit=2")
        time.sleep(0.5)
    log = server.log
    text = log.read_text()
    assert '"GET /cryptoshop/api/products HTTP/1.1" 401' in text, text  # an unknown token
    assert '"GET /seller/api/ HTTP/1.1"' in text
    assert "SECRET" not in text


@pytest.mark.parametrize(
    ("logged", "shown"),
    [
        ("GET /x?access_token=abc HTTP/1.1", "GET /x?access_token=[redacted] HTTP/1.1"),
        ("/ws/?a=1&token=abc&b=2", "/ws/?a=1&token=[redacted]&b=2"),
        ("/x?accessToken=abc#top", "/x?accessToken=[redacted]#top"),
        ("/x?access%5Ftoken=abc", "/x?access%5Ftoken=[redacted]"),  # Django decodes the name
        ("/x?page_token=abc&tokens=2", "/x?page_token=abc&tokens=2"),
        ("no query access_token=abc", "no query access_token=abc"),
    ],
)
def test_the_filter_redacts_credential_parameters_only(logged, shown):
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, "%s %s", ("1.2.3.4", logged), None
    )
    assert RedactCredentials().filter(record) and record.args == ("1.2.3.4", shown)
    bare = logging.LogRecord("django", logging.INFO, "", 0, f"saw {logged}", (), None)
    RedactCredentials().filter(bare)
    assert bare.getMessage() == f"saw {shown}"
