"""The storefront conventions as the account endpoints meet them."""

from __future__ import annotations

import pytest
from django.test import override_settings

from accounts.services.cryptoshop_auth import cryptoshop_user_register
from tests.conftest import TECHAVEN
from tests.helpers.techaven import assert_error

pytestmark = pytest.mark.django_db


def test_an_unknown_url_is_404_in_techaven_format(api):
    response = api.get(f"{TECHAVEN}/auth/no-such-thing")
    body = assert_error(response, 404)
    assert body == {"success": False, "message": "Endpoint not found", "errors": {}}


def test_a_wrong_method_is_405(api):
    assert_error(api.get(f"{TECHAVEN}/auth/register"), 405)
    assert_error(api.patch(f"{TECHAVEN}/auth/login", {}, format="json"), 405)


def test_a_text_body_is_415(api):
    response = api.post(
        f"{TECHAVEN}/auth/register", "full_name=John Doe", content_type="text/plain"
    )
    assert_error(response, 415)


@override_settings(MAX_REQUEST_BODY_BYTES=64)
def test_an_oversize_body_is_413(api):
    payload = {"full_name": "John Doe", "email": "john@example.com", "password": "x" * 200}
    assert_error(api.post(f"{TECHAVEN}/auth/register", payload, format="json"), 413)


def test_malformed_json_is_400(api):
    response = api.post(f"{TECHAVEN}/auth/login", "{not json", content_type="application/json")
    assert_error(response, 400)


def test_a_cryptoshop_access_token_is_refused_by_techaven(api):
    account = cryptoshop_user_register()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {account.access_token}")
    assert_error(api.get(f"{TECHAVEN}/user/profile"), 401)
