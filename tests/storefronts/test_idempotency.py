"""Idempotency-Key: replay, 422 on a different body, 409 while running, 5xx frees the key,
24 h lifetime, scoped to the caller."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services.cryptoshop_auth import cryptoshop_user_register
from storefronts.models import IdempotencyRecord
from tests.helpers.cryptoshop import client_with

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.helpers.urls")]

URL = "/cryptoshop/api/test/counter"


def post(client, body, key="key-1"):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retry_replays_the_first_response_and_runs_nothing(api, calls):
    first = post(api, {"item": 1})
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    again = post(api, {"item": 1})
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert len(calls) == 1


def test_without_the_header_every_request_runs(api, calls):
    api.post(URL, {"item": 1}, format="json")
    api.post(URL, {"item": 1}, format="json")
    assert len(calls) == 2


def test_the_same_key_with_another_body_answers_422(api, calls):
    post(api, {"item": 1})
    other = post(api, {"item": 2})
    assert other.status_code == 422
    assert other.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert set(other.json()) == {"success", "error", "code", "details"}
    assert len(calls) == 1


def test_a_retry_while_the_first_still_runs_answers_409(api, calls):
    post(api, {"item": 1})
    IdempotencyRecord.objects.update(status_code=None, body=None)  # as if still running
    running = post(api, {"item": 1})
    assert running.status_code == 409
    assert running.json()["code"] == "IDEMPOTENCY_IN_PROGRESS"
    assert len(calls) == 1


def test_a_5xx_frees_the_key(api, calls):
    failed = post(api, {"fail": True})
    assert failed.status_code == 500
    assert not IdempotencyRecord.objects.exists()
    retried = post(api, {"fail": True})
    assert retried.status_code == 500 and "Idempotent-Replayed" not in retried
    assert len(calls) == 2


def test_a_record_older_than_24_hours_is_ignored(api, calls):
    post(api, {"item": 1})
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=24, minutes=1))
    fresh = post(api, {"item": 1})
    assert fresh.status_code == 201 and "Idempotent-Replayed" not in fresh
    assert len(calls) == 2


def test_a_record_younger_than_24_hours_still_replays(api, calls):
    post(api, {"item": 1})
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=23))
    assert post(api, {"item": 1})["Idempotent-Replayed"] == "true"
    assert len(calls) == 1


def test_keys_are_scoped_to_the_caller(api, calls):
    alice = cryptoshop_user_register()
    bob = cryptoshop_user_register()
    assert post(client_with(alice.access_token), {"item": 1}).status_code == 201
    bobs = post(client_with(bob.access_token), {"item": 1})
    assert bobs.status_code == 201 and "Idempotent-Replayed" not in bobs
    anonymous = post(api, {"item": 1})
    assert "Idempotent-Replayed" not in anonymous
    assert [c["user"] for c in calls] == [alice.user.pk, bob.user.pk, None]
    assert post(client_with(alice.access_token), {"item": 1})["Idempotent-Replayed"] == "true"


def test_an_overlong_key_is_a_validation_error(api, calls):
    response = post(api, {"item": 1}, key="k" * 256)
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert not calls


# --- answers that carry credentials (issue 12, finding 7) -----------------------------------


def _stored_bodies() -> list[bytes]:
    """Every stored body, read straight from the table as the probe did."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM storefronts_idempotencyrecord")
        return [bytes(row[0]) for row in cursor.fetchall() if row[0] is not None]


def _techaven_login_code(user) -> str:
    from accounts.services.otp import otp_issue
    from tests.helpers.techaven import set_code

    otp_issue(user=user, purpose="login")
    set_code(user, "login", "246810")
    return "246810"


def _cs_register(api):
    response = api.post(
        "/cryptoshop/api/auth/register", {}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    return response, [response.json()["data"]["accessToken"]]


def _cs_2fa_setup(api):
    account = cryptoshop_user_register()
    client = client_with(account.access_token)
    response = client.post("/cryptoshop/api/auth/2fa/setup", {}, HTTP_IDEMPOTENCY_KEY="k")
    return response, [response.json()["data"]["secret"]]


def _cs_2fa_verify(api):
    from accounts.services.cryptoshop_auth import cryptoshop_2fa_setup
    from tests.helpers.cryptoshop import totp_code

    account = cryptoshop_user_register()
    secret = cryptoshop_2fa_setup(user=account.user).secret
    response = client_with(account.access_token).post(
        "/cryptoshop/api/auth/2fa/verify",
        {"token": totp_code(secret)},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    data = response.json()["data"]
    return response, [data["sessionToken"], *data["backupCodes"]]


def _th_verify_login(api):
    from tests.factories.accounts import TechavenUserFactory

    user = TechavenUserFactory()
    code = _techaven_login_code(user)
    response = api.post(
        "/techaven/api/auth/verify-otp",
        {"email": user.email, "otp": code, "type": "login"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    data = response.json()["data"]
    return response, [data["access_token"], data["refresh_token"]]


def _th_verify_reset(api):
    from accounts.services.otp import otp_issue
    from tests.factories.accounts import TechavenUserFactory
    from tests.helpers.techaven import set_code

    user = TechavenUserFactory()
    otp_issue(user=user, purpose="password_reset")
    set_code(user, "password_reset", "135790")
    response = api.post(
        "/techaven/api/auth/verify-otp",
        {"email": user.email, "otp": "135790", "type": "password_reset"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    return response, [response.json()["data"]["reset_token"]]


def _th_refresh(api):
    from accounts.services.sessions import techaven_session_start
    from tests.factories.accounts import TechavenUserFactory

    pair = techaven_session_start(user=TechavenUserFactory())
    response = api.post(
        "/techaven/api/auth/refresh-token",
        {"refresh_token": pair.refresh_token},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    data = response.json()["data"]
    return response, [data["access_token"], data["refresh_token"]]


CREDENTIAL_ANSWERS = [
    _cs_register,
    _cs_2fa_setup,
    _cs_2fa_verify,
    _th_verify_login,
    _th_verify_reset,
    _th_refresh,
]


@pytest.mark.parametrize("call", CREDENTIAL_ANSWERS, ids=lambda f: f.__name__.lstrip("_"))
def test_an_answer_with_credentials_is_never_stored_for_replay(api, call):
    response, secrets = call(api)
    assert response.status_code in (200, 201), response.content
    assert all(secrets)
    for body in _stored_bodies():
        assert not any(secret.encode() in body for secret in secrets)
    assert not IdempotencyRecord.objects.exists()  # the key is free again: a retry runs again
    assert response["Cache-Control"] == "no-store"  # nor may any other cache keep it


def test_a_retried_cryptoshop_register_runs_again_and_opens_a_second_account(api):
    from accounts.models import User

    first, _ = _cs_register(api)
    again, _ = _cs_register(api)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert again.json()["data"]["accessToken"] != first.json()["data"]["accessToken"]
    assert User.objects.filter(storefront="cryptoshop").count() == 2


def test_a_credential_endpoint_still_answers_409_to_a_retry_while_it_runs(api):
    from storefronts.idempotency import fingerprint

    url = "/cryptoshop/api/auth/register"
    IdempotencyRecord.objects.create(
        scope="cryptoshop:ip:127.0.0.1", key="k", fingerprint=fingerprint("POST", url, b"{}")
    )
    response = api.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 409
    assert response.json()["code"] == "IDEMPOTENCY_IN_PROGRESS"


def test_answers_without_credentials_still_replay(api, cs_account):
    """CryptoShop login hands out no token: its answer replays as any other does."""
    body = {"accessToken": cs_account.access_token}
    url = "/cryptoshop/api/auth/login"
    first = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="login-1")
    again = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="login-1")
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert "no-store" not in first.get("Cache-Control", "")
    assert not any(cs_account.access_token.encode() in b for b in _stored_bodies())


CREDENTIAL_FIELDS = {
    "accessToken",
    "access_token",
    "refresh_token",
    "sessionToken",
    "reset_token",
    "secret",
    "backupCodes",
}


def _properties(node, components, seen=frozenset()) -> set[str]:
    """Every property name reachable from a schema node (refs followed once)."""
    if isinstance(node, list):
        return set().union(*(_properties(n, components, seen) for n in node)) if node else set()
    if not isinstance(node, dict):
        return set()
    names: set[str] = set()
    ref = node.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        if name not in seen:
            names |= _properties(components.get(name, {}), components, seen | {name})
    names |= set(node.get("properties", {}))
    for value in node.values():
        names |= _properties(value, components, seen)
    return names


@pytest.mark.parametrize("root", ["/techaven/api", "/cryptoshop/api"])
def test_every_endpoint_that_answers_credentials_is_marked_so(api, root):
    """A guard for new endpoints: a 2xx answer with a credential field must not be replayable."""
    from django.urls import resolve

    schema = api.get(f"{root}/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    marked = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method.upper() not in {"POST", "PUT", "PATCH", "DELETE"}:
                continue
            answers = {k: v for k, v in operation.get("responses", {}).items() if k[0] == "2"}
            if not _properties(answers, components) & CREDENTIAL_FIELDS:
                continue
            concrete = re.sub(r"\{[^}]+\}", "1", path)
            view = resolve(f"{root}{concrete.removeprefix('/api')}").func.view_class
            assert view.issues_credentials, f"{method.upper()} {path} answers credentials"
            marked.append(path)
    assert marked, "the walk found none"


def test_the_migration_forgets_credentials_stored_before_the_fix():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("storefronts.migrations.0002_forget_stored_credentials")
    kept = IdempotencyRecord.objects.create(
        scope="s", key="order", fingerprint="f", status_code=201, body=b'{"success":true}'
    )
    for n, body in enumerate(
        [b'{"data":{"accessToken":"cs_x"}}', b'{"data":{"refresh_token":"ey"}}']
    ):
        IdempotencyRecord.objects.create(
            scope="s", key=f"k{n}", fingerprint="f", status_code=200, body=body
        )
    migration.forget_stored_credentials(apps, None)
    assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [kept.pk]
