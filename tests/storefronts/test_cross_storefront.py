"""BRIEF decision 1: a token issued by one storefront is refused, in that storefront's format,
by the other."""

import pytest

from accounts.services.sessions import cryptoshop_session_start, techaven_session_start
from tests.factories.accounts import TechavenUserFactory
from tests.helpers.cryptoshop import client_with

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.helpers.urls")]

CS_PROTECTED = "/cryptoshop/api/test/protected"
# `GET /techaven/api/user/profile` is built on the Techaven helper's branch; this test-only
# TechavenView with the default permission stands in for it (same authentication class).
TH_PROTECTED = "/techaven/api/test/protected"


def assert_cryptoshop_401(response, code="INVALID_TOKEN"):
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"success", "error", "code", "details"}
    assert body["success"] is False and body["code"] == code


def assert_techaven_401(response):
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"success", "message", "errors"}
    assert body["success"] is False and body["errors"] == {}


def test_each_storefront_accepts_its_own_token(cs_account):
    assert client_with(cs_account.access_token).get(CS_PROTECTED).status_code == 200
    pair = techaven_session_start(user=TechavenUserFactory())
    assert client_with(pair.access_token).get(TH_PROTECTED).status_code == 200


def test_a_techaven_jwt_is_refused_by_cryptoshop(api):
    pair = techaven_session_start(user=TechavenUserFactory())
    assert_cryptoshop_401(client_with(pair.access_token).get(CS_PROTECTED))
    assert_cryptoshop_401(api.get(f"{CS_PROTECTED}?access_token={pair.access_token}"))
    assert_cryptoshop_401(client_with(pair.access_token).post("/cryptoshop/api/auth/2fa/setup"))


def test_a_cryptoshop_access_token_is_refused_by_techaven(cs_account):
    assert_techaven_401(client_with(cs_account.access_token).get(TH_PROTECTED))


def test_a_cryptoshop_session_token_is_refused_by_techaven(cs_account):
    session = cryptoshop_session_start(user=cs_account.user, remember=False)
    assert_techaven_401(client_with(session).get(TH_PROTECTED))


def test_no_token_is_401_in_each_format(api):
    assert_cryptoshop_401(api.get(CS_PROTECTED), code="AUTHENTICATION_REQUIRED")
    assert_techaven_401(api.get(TH_PROTECTED))


def test_the_2fa_gate_guards_every_protected_cryptoshop_endpoint(cs_account):
    cs_account.user.two_factor_enabled = True
    cs_account.user.save()
    assert_cryptoshop_401(
        client_with(cs_account.access_token).get(CS_PROTECTED), code="TWO_FACTOR_REQUIRED"
    )
    session = cryptoshop_session_start(user=cs_account.user, remember=False)
    assert client_with(session).get(CS_PROTECTED).status_code == 200


def test_staff_accounts_belong_to_neither_storefront():
    from accounts.tokens import token_hash
    from tests.factories.accounts import StaffUserFactory

    StaffUserFactory(access_token_hash=token_hash("cs_staff_token"))
    assert_cryptoshop_401(client_with("cs_staff_token").get(CS_PROTECTED))
