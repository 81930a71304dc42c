"""OpenAPI schemas build with no warnings; production refuses the development secret key."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command

from tests.helpers.settings import PRODUCTION
from wallet.bitcoin import DEVELOPMENT_ZPUB

ROOT = Path(settings.BASE_DIR)


@pytest.mark.parametrize(
    "urlconf, must_have",
    [
        ("storefronts.schema_roots", None),
        ("storefronts.cryptoshop.urls", "/auth/2fa/verify"),
    ],
)
def test_each_storefront_schema_builds_without_warnings(tmp_path, urlconf, must_have):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--urlconf", urlconf, "--fail-on-warn", "--validate", "--file", out)
    schema = yaml.safe_load(out.read_text())
    assert schema["openapi"].startswith("3.")
    if must_have:
        assert must_have in schema["paths"]
        assert "CryptoShopError" in schema["components"]["schemas"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/techaven/api/schema/", "/cryptoshop/api/schema/", "/cryptoshop/api/docs/"]
)
def test_the_schema_and_docs_pages_answer_200(api, url):
    assert api.get(url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/techaven/api/schema/", "/cryptoshop/api/schema/"])
def test_every_reference_resolves_each_time_the_schema_is_served(api, url):
    for _ in range(2):  # the second build once lost the SuccessEnum component
        schema = api.get(url, {"format": "json"}).json()
        refs = set(re.findall(r"#/components/schemas/(\w+)", json.dumps(schema)))
        assert refs and refs <= set(schema["components"]["schemas"])


@pytest.mark.django_db
def test_a_delete_that_reads_a_body_documents_it(api):
    """Techaven's account deletion takes the password in its body; other DELETEs take none."""
    paths = api.get("/techaven/api/schema/", {"format": "json"}).json()["paths"]
    body = paths["/api/user/account"]["delete"]["requestBody"]
    assert body["required"] is True
    schema = body["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/DeleteAccountInRequest"}
    assert "requestBody" not in paths["/api/addresses/{address_id}"]["delete"]


def _boot(env_overrides: dict[str, str], drop: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_debug_off_refuses_the_development_secret_key():
    result = _boot({"DEBUG": "false"}, drop=("SECRET_KEY",))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


REAL_PROVIDERS = json.dumps(
    {k: "wallet.paychangu.PayChanguProvider" for k in ("airtel_money", "tnm_mpamba")}
)


def test_debug_off_starts_with_a_real_secret_key_and_the_sandboxes_asked_for():
    result = _boot({**PRODUCTION, "PAYMENTS_SANDBOX": "true", "BTC_XPUB": DEVELOPMENT_ZPUB})
    assert result.returncode == 0, result.stderr


def test_debug_off_refuses_to_start_on_the_payment_sandboxes_by_default():
    """Security finding 1: with no provider configured, payments fell back to the sandbox,
    whose public page approves any order."""
    result = _boot({**PRODUCTION, "BTC_XPUB": DEVELOPMENT_ZPUB}, drop=("PAYMENTS_SANDBOX",))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "no real payment provider serves airtel_money, tnm_mpamba" in result.stderr
    assert "BTC_BACKEND=esplora" in result.stderr
    assert "PAYMENTS_SANDBOX=true" in result.stderr


def test_debug_off_starts_with_real_providers_and_chain():
    result = _boot(
        {**PRODUCTION, "PAYMENT_PROVIDERS": REAL_PROVIDERS, "BTC_BACKEND": "esplora",
         "BTC_XPUB": DEVELOPMENT_ZPUB},
        drop=("PAYMENTS_SANDBOX",),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("xpub", "says"),
    [
        (None, "BTC_XPUB is not set"),
        ("xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi",
         "never hold a private key"),
        ("not-a-key", "BTC_XPUB is not usable"),
    ],
)  # fmt: skip
def test_debug_off_refuses_a_missing_or_unusable_xpub(xpub, says):
    overrides = {**PRODUCTION, "PAYMENTS_SANDBOX": "true"}
    if xpub:
        overrides["BTC_XPUB"] = xpub
    result = _boot(overrides, drop=("BTC_XPUB",))
    assert result.returncode != 0
    assert says in result.stderr


@pytest.mark.django_db
def test_database_pool_lends_connections_per_request():
    if not settings.USES_POSTGRES:
        pytest.skip("the connection pool is PostgreSQL's (psycopg_pool)")
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    probe = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "assert connection.settings_dict['CONN_MAX_AGE'] == 0\n"
        "for _ in range(10):\n"
        "    with connection.cursor() as cursor:\n"
        "        cursor.execute('SELECT 1')\n"
        "    connection.close()\n"
        "stats = connection.pool.get_stats()\n"
        "assert stats['requests_num'] == 10, stats\n"
        "assert stats['connections_num'] <= 3, stats  # min_size 2, +1 if a request waited\n"
    )
    env = {**os.environ, "DATABASE_URL": url, "DATABASE_POOL": "true"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
