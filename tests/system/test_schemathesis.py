"""Schemathesis against both served schemas (issue 12).

A real uvicorn server on a migrated SQLite file with demo data and rate limits off; every
operation of `/techaven/api/schema/` and `/cryptoshop/api/schema/` gets a bounded number of
generated cases (deterministic, no shrinking), sent as a real user: the demo users for the
main run, a fresh user per case for the operations that end a session or an account. Every
answer must not be a server error and must match the schema (status, content type, headers,
body). The per-operation tally is printed; every operation must answer 2xx at least once,
with explicit examples (`EXAMPLES`) where a generator cannot guess a valid request.
"""

from __future__ import annotations

import json
import subprocess
import sys
from base64 import b32decode
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from django_otp.oath import totp
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.helpers.schemathesis_world import PASSWORD
from tests.helpers.servers import BASE_DIR, migrated_sqlite_file, server_env, uvicorn_server

pytestmark = pytest.mark.slow

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 15
# the same cases every run
SEED_SETTINGS = dict(
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

# each case of these gets its own fresh user: they end the session or the account (or
# change what signs in), so the rest of the run would otherwise test 401s
SESSION_ENDING = {
    ("techaven", "POST /api/auth/logout"),
    ("techaven", "DELETE /api/user/account"),
    ("techaven", "PUT /api/user/password"),
    ("techaven", "POST /api/auth/reset-password"),
    ("cryptoshop", "POST /auth/logout"),
    ("cryptoshop", "POST /auth/2fa/setup"),
    ("cryptoshop", "POST /auth/2fa/verify"),
}
FRESH_CASES = 8

DEMO_CRYPTOSHOP_TOKEN = "cs_demo00000000_demo-access-token-for-local-development-only"

# explicit requests the generator does not find (real credentials, valid phones, a seller's
# own product, an escrow in a given state), one case each after the generated ones. `{name}`
# is a value from `schemathesis_world.build`, `{totp:name}` the current TOTP of a secret
# there; `token` names the user who sends it, `fresh` sends it as a fresh user; `path` is a
# list of parameters given real ids from the demo data, or a dict of values.
EXAMPLES: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("techaven", "POST /api/auth/login"): [
        {"body": {"email": "demo@techaven.mw", "password": "demo1234"}}
    ],
    ("techaven", "POST /api/auth/register"): [
        {"body": {"full_name": "New User", "email": "new@example.com", "password": PASSWORD}}
    ],
    ("techaven", "POST /api/auth/verify-otp"): [
        {"body": {"email": "{otp_email}", "type": "signup", "otp": "{otp}"}}
    ],
    ("techaven", "POST /api/auth/forgot-password"): [{"body": {"email": "demo@techaven.mw"}}],
    ("techaven", "POST /api/auth/reset-password"): [
        {
            "body": {
                "email": "{reset_email}",
                "reset_token": "{reset_token}",
                "new_password": "An0ther-passw0rd!",
            }
        }
    ],
    ("techaven", "POST /api/auth/refresh-token"): [{"body": {"refresh_token": "{refresh}"}}],
    ("techaven", "PUT /api/user/password"): [
        {
            "body": {"current_password": PASSWORD, "new_password": "An0ther-passw0rd!"},
            "fresh": True,
        }
    ],
    ("techaven", "DELETE /api/user/account"): [
        {"body": {"password": PASSWORD, "reason": "Moving away"}, "fresh": True}
    ],
    ("techaven", "POST /api/addresses"): [
        {
            "body": {
                "full_name": "Test User",
                "phone": "+265991234567",
                "address_line_1": "1 Test Road",
                "city": "Lilongwe",
            }
        }
    ],
    ("techaven", "POST /api/payment-methods"): [
        {
            "body": {
                "type": "mobile_money",
                "provider": "TNM Mpamba",
                "phone_number": "+265881234567",
            }
        }
    ],
    ("techaven", "POST /api/wallet/topup"): [
        {
            "body": {
                "amount": 1000,
                "payment_method": "mobile_money",
                "phone_number": "+265991234567",
            }
        }
    ],
    ("techaven", "POST /api/orders"): [
        {
            "token": "{th_buyer}",
            "body": {"shipping_address_id": "{th_address}", "payment_method_id": "wallet"},
        }
    ],
    ("techaven", "PUT /api/addresses/{address_id}"): [
        {
            "path": ["address_id"],
            "body": {
                "full_name": "Test User",
                "phone": "+265991234567",
                "address_line_1": "2 Test Road",
                "city": "Blantyre",
            },
        }
    ],
    ("techaven", "GET /api/help/articles/{slug}"): [{"path": {"slug": "{article_slug}"}}],
    ("cryptoshop", "POST /auth/login"): [{"body": {"accessToken": DEMO_CRYPTOSHOP_TOKEN}}],
    ("cryptoshop", "POST /auth/2fa/verify"): [
        {"token": "{cs_2fa}", "body": {"token": "{totp:cs_2fa_secret}"}}
    ],
    ("cryptoshop", "POST /wallet"): [{"body": {}, "fresh": True}],
    ("cryptoshop", "PUT /wallet"): [{"body": {"address": "{btc_address}"}}],
    ("cryptoshop", "POST /wallet/withdrawals"): [
        {"token": "{cs_withdrawer}", "body": {"amountBtc": 0.001}}
    ],
    ("cryptoshop", "POST /orders"): [
        {"token": "{cs_orderer}", "body": {"items": [{"productId": "{cs_product}", "quantity": 1}]}}
    ],
    ("cryptoshop", "POST /escrow"): [
        {"token": "{cs_buyer}", "body": {"orderId": "{cs_order}", "releaseCode": "{release_code}"}}
    ],
    ("cryptoshop", "POST /escrow/{escrow_id}/release"): [
        {
            "token": "{cs_buyer}",
            "path": {"escrow_id": "{cs_escrow_to_release}"},
            "body": {"releaseCode": "{release_code}"},
        }
    ],
    ("cryptoshop", "POST /escrow/{escrow_id}/dispute"): [
        {
            "token": "{cs_buyer}",
            "path": {"escrow_id": "{cs_escrow_to_dispute}"},
            "body": {"reason": "The key never arrived"},
        }
    ],
    ("cryptoshop", "POST /products"): [
        {"token": "{cs_seller}", "body": {"name": "Gate product", "priceBtc": 0.001}}
    ],
    ("cryptoshop", "PUT /products/{product_id}"): [
        {
            "token": "{cs_seller}",
            "path": {"product_id": "{cs_product_to_edit}"},
            "body": {"name": "Renamed product", "priceBtc": 0.002},
        }
    ],
    ("cryptoshop", "DELETE /products/{product_id}"): [
        {"token": "{cs_seller}", "path": {"product_id": "{cs_product_to_delete}"}}
    ],
    ("cryptoshop", "PUT /sellers/{seller_id}"): [
        {
            "token": "{cs_seller}",
            "path": {"seller_id": "{cs_seller_id}"},
            "body": {"storeName": "Gate Store"},
        }
    ],
}

# the path parameters given real ids (from the demo data) for half the cases:
# parameter -> list operation whose answer holds such objects
ID_SOURCES = {
    "techaven": {
        "address_id": "/techaven/api/addresses",
        "item_id": "/techaven/api/cart",
        "category_id": "/techaven/api/categories",
        "ticket_id": "/techaven/api/help/tickets",
        "notification_id": "/techaven/api/notifications",
        "order_id": "/techaven/api/orders",
        "payment_method_id": "/techaven/api/payment-methods",
        "product_id": "/techaven/api/products",
        "shop_id": "/techaven/api/shops",
        "slug": "/techaven/api/help/faqs",
    },
    "cryptoshop": {
        "escrow_id": "/cryptoshop/api/escrow",
        "order_id": "/cryptoshop/api/orders",
        "product_id": "/cryptoshop/api/products",
        "seller_id": "/cryptoshop/api/sellers",
        "ticket_id": "/cryptoshop/api/support",
        "webhook_id": "/cryptoshop/api/webhooks",
    },
}


@dataclass
class Tally:
    cases: int = 0
    ok: int = 0
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def _manage(database_url: str, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=server_env(database_url, DEBUG="true"),
        input=stdin,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _first_id(payload: Any, param: str) -> Any:
    """The first object id in a list answer: the key named as the parameter (`ticket_id`,
    `slug`) or `id`; for cart items, the first item's."""
    stack = [payload["data"]["items"] if param == "item_id" else payload]
    while stack:
        node = stack.pop(0)
        if isinstance(node, dict):
            for key in (param, "id"):
                if node.get(key) is not None and not isinstance(node[key], dict | list):
                    return node[key]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return None


def _real_ids(base_url: str, storefront: str, token: str) -> dict[str, Any]:
    ids = {}
    for param, path in ID_SOURCES[storefront].items():
        answer = httpx.get(base_url + path, headers={"Authorization": f"Bearer {token}"})
        if answer.status_code == 200:
            value = _first_id(answer.json(), param)
            if value is not None:
                ids[param] = value
    return ids


@pytest.fixture(scope="module")
def server():
    database_url = migrated_sqlite_file()
    _manage(database_url, "seed_demo")
    with uvicorn_server(database_url, RATELIMIT_ENABLED="false") as srv:
        build = f"from tests.helpers.schemathesis_world import build; build({FRESH_CASES * 5})"
        out = _manage(database_url, "shell", "-c", build)
        users = json.loads(out.split("USERS=", 1)[1])
        yield srv, users


def _run_operation(operation, base_url, tally: Tally, tokens, path_parameters):
    session = requests.Session()
    fresh = iter(tokens) if isinstance(tokens, list) else None

    strategy = operation.as_strategy(
        **({"path_parameters": path_parameters} if path_parameters else {})
    )
    max_examples = FRESH_CASES if fresh else MAX_EXAMPLES

    @settings(max_examples=max_examples, **SEED_SETTINGS)
    @given(case=strategy)
    def run(case):
        token = next(fresh) if fresh else tokens
        headers = {"Authorization": f"Bearer {token}"}
        response = case.call(base_url=base_url, session=session, headers=headers)
        tally.cases += 1
        tally.statuses[response.status_code] += 1
        if 200 <= response.status_code < 300:
            tally.ok += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, BaseExceptionGroup) as exc:  # every failure is collected, reported
            curl = case.as_curl_command(headers=headers)
            tally.failures.append(f"{type(exc).__name__}: {exc}\n    {curl}")

    run()


def _filled(node: Any, values: dict[str, str]) -> Any:
    """`node` with each `{name}` string replaced by its value (`{totp:name}`: the TOTP of the
    secret `name`, now)."""
    if isinstance(node, dict):
        return {key: _filled(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_filled(value, values) for value in node]
    if isinstance(node, str) and node.startswith("{") and node.endswith("}"):
        name = node[1:-1]
        if name.startswith("totp:"):
            return f"{totp(b32decode(values[name[5:]])):06d}"
        return values[name]
    return node


def _run_example(operation, base_url, tally, example, users, fresh_tokens, main_token, ids):
    values = users["values"]
    if example.get("fresh"):
        token = fresh_tokens.pop()
    else:
        token = _filled(example.get("token", main_token), values)
    headers = {"Authorization": f"Bearer {token}"}
    path = example.get("path", ())
    if isinstance(path, dict):
        path_parameters = _filled(path, values)
    else:
        path_parameters = {name: ids[name] for name in path if name in ids}
    extra = {}
    if "body" in example:
        extra = {"body": _filled(example["body"], values), "media_type": "application/json"}
    case = operation.Case(path_parameters=path_parameters or None, **extra)
    response = case.call(base_url=base_url, headers=headers)
    tally.cases += 1
    tally.statuses[response.status_code] += 1
    tally.ok += 200 <= response.status_code < 300
    try:
        case.validate_response(response, checks=CHECKS, headers=headers)
    except (Exception, BaseExceptionGroup) as exc:  # every failure is collected, reported
        tally.failures.append(f"{type(exc).__name__}: {exc}\n    {case.as_curl_command()}")
    if not 200 <= response.status_code < 300:
        tally.failures.append(f"explicit example answered {response.status_code}: {response.text}")


@pytest.mark.parametrize("storefront", ["techaven", "cryptoshop"])
def test_schemathesis(server, storefront):
    srv, users = server
    # the schemas' `servers`: /techaven (paths /api/…) and /cryptoshop/api
    base_url = srv.url + ("/techaven" if storefront == "techaven" else "/cryptoshop/api")
    schema = schemathesis.openapi.from_url(f"{srv.url}/{storefront}/api/schema/?format=json")
    main_token = users["demo"] if storefront == "techaven" else DEMO_CRYPTOSHOP_TOKEN
    fresh_tokens = list(users[storefront])

    operations = [result.ok() for result in schema.get_all_operations()]
    # the operations without path parameters first: they create what the others address
    operations.sort(key=lambda op: ("{" in op.path, op.method != "get"))
    tallies: dict[str, Tally] = defaultdict(Tally)
    ids: dict[str, Any] | None = None
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        tally = tallies[label]
        if (storefront, label) in SESSION_ENDING:
            tokens: Any = [fresh_tokens.pop() for _ in range(FRESH_CASES)]
        else:
            tokens = main_token
        params = [p.name for p in operation.path_parameters]
        if params:
            ids = _real_ids(srv.url, storefront, main_token)
        _run_operation(operation, base_url, tally, tokens, None)
        if params:
            fixed = {name: ids[name] for name in params if name in ids}
            if fixed:
                tokens = main_token if not isinstance(tokens, list) else tokens
                _run_operation(operation, base_url, tally, tokens, fixed)

        for example in EXAMPLES.get((storefront, label), []):
            _run_example(
                operation, base_url, tally, example, users, fresh_tokens, main_token, ids or {}
            )

    print(f"\n{storefront}: per-operation tally (cases, 2xx, statuses)")
    for label, tally in tallies.items():
        statuses = ", ".join(f"{s}×{n}" for s, n in sorted(tally.statuses.items()))
        flag = "" if tally.ok else "  <- no 2xx"
        print(f"  {label:50} {tally.cases:3} {tally.ok:3}  {statuses}{flag}")
    failures = [f"{label}: {f}" for label, t in tallies.items() for f in t.failures]
    for failure in failures:
        print(failure)
    assert not failures, f"{len(failures)} failing cases"
    unreached = [label for label, t in tallies.items() if not t.ok]
    assert not unreached, f"never answered 2xx: {unreached}"
