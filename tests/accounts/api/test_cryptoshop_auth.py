"""CryptoShop "Authentication Endpoints": login, 2FA setup/verify, logout, and the 2FA gate."""

import re
from base64 import b32encode
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import LoginSession
from accounts.services.moderation import user_suspend
from accounts.tokens import token_hash
from core.storefront import Storefront
from tests.conftest import CRYPTOSHOP
from tests.helpers.cryptoshop import client_with, totp_code
from tests.helpers.parallel import at_once

pytestmark = pytest.mark.django_db

LOGIN = f"{CRYPTOSHOP}/auth/login"
SETUP = f"{CRYPTOSHOP}/auth/2fa/setup"
VERIFY = f"{CRYPTOSHOP}/auth/2fa/verify"
LOGOUT = f"{CRYPTOSHOP}/auth/logout"


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"success", "error", "code", "details"}
    assert body["success"] is False
    assert body["code"] == code
    assert body["error"]
    return body


def setup_2fa(token: str) -> str:
    response = client_with(token).post(SETUP, {}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["data"]["secret"]


# --- login ---------------------------------------------------------------------------------


def test_login_with_the_access_token_answers_the_documented_body(api, cs_account):
    response = api.post(LOGIN, {"accessToken": cs_account.access_token}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "data": {
            "user": {
                "id": f"user_{cs_account.user.uid}",
                "username": cs_account.user.username,
                "twoFactorEnabled": False,
            },
            "requires2FA": False,
        },
    }


def test_login_says_a_second_factor_is_wanted_once_2fa_is_on(api, cs_two_factor):
    response = api.post(LOGIN, {"accessToken": cs_two_factor["access_token"]}, format="json")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["requires2FA"] is True
    assert data["user"]["twoFactorEnabled"] is True


def test_login_keeps_the_remember_device_choice_for_the_next_session(api, cs_account):
    api.post(LOGIN, {"accessToken": cs_account.access_token, "rememberDevice": True}, format="json")
    cs_account.user.refresh_from_db()
    assert cs_account.user.remember_next_session is True
    api.post(LOGIN, {"accessToken": cs_account.access_token}, format="json")
    cs_account.user.refresh_from_db()
    assert cs_account.user.remember_next_session is False


def test_login_accepts_the_token_as_access_token_in_the_body(api, cs_account):
    response = api.post(LOGIN, {"access_token": cs_account.access_token}, format="json")
    assert response.status_code == 200
    wrapped = api.post(
        LOGIN,
        {"access_token": cs_account.access_token, "data": {"rememberDevice": True}},
        format="json",
    )
    assert wrapped.status_code == 200
    cs_account.user.refresh_from_db()
    assert cs_account.user.remember_next_session is True


def test_login_with_an_unknown_token_answers_401_invalid_token(api, cs_account):
    response = api.post(LOGIN, {"accessToken": "cs_000000000000_nope"}, format="json")
    assert_error(response, 401, "INVALID_TOKEN")


def test_login_ignores_a_stale_authorization_header(api, cs_account):
    api.credentials(HTTP_AUTHORIZATION="Bearer cs_stale")
    response = api.post(LOGIN, {"accessToken": cs_account.access_token}, format="json")
    assert response.status_code == 200


def test_login_of_a_deleted_account_answers_401(api, cs_account):
    from django.utils import timezone

    cs_account.user.deleted_at = timezone.now()
    cs_account.user.save()
    response = api.post(LOGIN, {"accessToken": cs_account.access_token}, format="json")
    assert_error(response, 401, "INVALID_TOKEN")


def test_login_does_not_accept_a_techaven_account(api):
    from tests.factories.accounts import TechavenUserFactory

    user = TechavenUserFactory(access_token_hash=token_hash("cs_th_token"))
    assert user.storefront == Storefront.TECHAVEN
    response = api.post(LOGIN, {"accessToken": "cs_th_token"}, format="json")
    assert_error(response, 401, "INVALID_TOKEN")


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "accessToken"),
        ({"accessToken": ""}, "accessToken"),
        ({"accessToken": "x", "rememberDevice": "perhaps"}, "rememberDevice"),
    ],
)
def test_login_with_bad_input_answers_400_validation_error(api, cs_account, body, field):
    body = assert_error(api.post(LOGIN, body, format="json"), 400, "VALIDATION_ERROR")
    assert field in body["details"]


def test_login_of_a_suspended_account_answers_403(api, cs_account):
    user_suspend(user=cs_account.user, reason="fraud", by=None)
    response = api.post(LOGIN, {"accessToken": cs_account.access_token}, format="json")
    assert_error(response, 403, "ACCOUNT_SUSPENDED")


# --- 2FA setup -----------------------------------------------------------------------------


def test_setup_returns_a_secret_and_an_otpauth_url(cs_account):
    response = client_with(cs_account.access_token).post(SETUP, {}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"success", "data"}
    data = body["data"]
    assert re.fullmatch(r"[A-Z2-7]{32}", data["secret"])
    username = cs_account.user.username
    assert data["qrCodeUrl"] == (
        f"otpauth://totp/CryptoShop:{username}?secret={data['secret']}&issuer=CryptoShop"
    )
    url = urlparse(data["qrCodeUrl"])
    assert url.scheme == "otpauth" and parse_qs(url.query)["issuer"] == ["CryptoShop"]
    # not on until a code from it is verified
    device = TOTPDevice.objects.get(user=cs_account.user)
    assert device.confirmed is False
    cs_account.user.refresh_from_db()
    assert cs_account.user.two_factor_enabled is False


def test_setting_up_again_replaces_the_unconfirmed_device(cs_account):
    first = setup_2fa(cs_account.access_token)
    second = setup_2fa(cs_account.access_token)
    assert first != second
    assert TOTPDevice.objects.filter(user=cs_account.user).count() == 1
    client = client_with(cs_account.access_token)
    assert_error(
        client.post(VERIFY, {"token": totp_code(first)}, format="json"),
        400,
        "TWO_FACTOR_CODE_INVALID",
    )
    assert client.post(VERIFY, {"token": totp_code(second)}, format="json").status_code == 200


def test_setup_without_a_token_answers_401(api):
    assert_error(api.post(SETUP, {}, format="json"), 401, "AUTHENTICATION_REQUIRED")


def test_setup_with_a_bad_token_answers_401_invalid_token(db):
    assert_error(client_with("cs_bad").post(SETUP, {}, format="json"), 401, "INVALID_TOKEN")


def test_setup_with_2fa_on_wants_the_second_factor(cs_two_factor):
    current = {"currentCode": totp_code(cs_two_factor["secret"], 1)}
    bare = client_with(cs_two_factor["access_token"]).post(SETUP, current, format="json")
    assert_error(bare, 401, "TWO_FACTOR_REQUIRED")
    with_session = client_with(cs_two_factor["session_token"]).post(SETUP, current, format="json")
    assert with_session.status_code == 200


def test_re_keying_2fa_without_a_current_code_is_refused_and_changes_nothing(cs_two_factor):
    """Finding 2: a session token alone (stolen, or a device left signed in) cannot re-key."""
    session = client_with(cs_two_factor["session_token"])
    for body in ({}, {"currentCode": ""}, {"currentCode": "000000"}, {"currentCode": "nope"}):
        response = session.post(SETUP, body, format="json")
        error = assert_error(response, 400, "TWO_FACTOR_CODE_INVALID")
        assert "currentCode" in error["details"]
    device = TOTPDevice.objects.get(user=cs_two_factor["user"])
    assert device.confirmed is True
    # the owner's factor still opens sessions
    response = client_with(cs_two_factor["access_token"]).post(
        VERIFY, {"token": totp_code(cs_two_factor["secret"], 1)}, format="json"
    )
    assert response.status_code == 200


def test_a_backup_code_proves_the_current_factor_once(cs_two_factor):
    session = client_with(cs_two_factor["session_token"])
    code = cs_two_factor["backup_codes"][2]
    assert session.post(SETUP, {"currentCode": code}, format="json").status_code == 200
    again = session.post(SETUP, {"currentCode": code}, format="json")
    assert_error(again, 400, "TWO_FACTOR_CODE_INVALID")


def test_the_current_code_of_a_re_key_cannot_open_a_session_afterwards(cs_two_factor):
    code = totp_code(cs_two_factor["secret"], 1)
    session = client_with(cs_two_factor["session_token"])
    assert session.post(SETUP, {"currentCode": code}, format="json").status_code == 200
    reused = client_with(cs_two_factor["access_token"]).post(VERIFY, {"token": code}, format="json")
    assert_error(reused, 400, "TWO_FACTOR_CODE_INVALID")


def test_wrong_current_codes_count_towards_the_2fa_lock(cs_two_factor):
    session = client_with(cs_two_factor["session_token"])
    for _ in range(5):
        wrong = session.post(SETUP, {"currentCode": "12345678"}, format="json")
        assert_error(wrong, 400, "TWO_FACTOR_CODE_INVALID")
    right = {"currentCode": totp_code(cs_two_factor["secret"], 1)}
    assert_error(session.post(SETUP, right, format="json"), 429, "TWO_FACTOR_LOCKED")
    bare = client_with(cs_two_factor["access_token"])
    locked = bare.post(VERIFY, {"token": right["currentCode"]}, format="json")
    assert_error(locked, 429, "TWO_FACTOR_LOCKED")


def test_a_pending_secret_is_never_a_second_factor_for_the_bare_token(cs_two_factor):
    """Finding 2: a re-key that is never confirmed must not plant a second way in."""
    session = client_with(cs_two_factor["session_token"])
    current = {"currentCode": totp_code(cs_two_factor["secret"], 1)}
    new_secret = session.post(SETUP, current, format="json").json()["data"]["secret"]
    bare = client_with(cs_two_factor["access_token"])
    response = bare.post(VERIFY, {"token": totp_code(new_secret)}, format="json")
    assert_error(response, 400, "TWO_FACTOR_CODE_INVALID")
    # nothing was replaced: the confirmed device is still the one, the backup codes still work
    confirmed = TOTPDevice.objects.get(user=cs_two_factor["user"], confirmed=True)
    assert (
        confirmed.bin_key
        != TOTPDevice.objects.get(user=cs_two_factor["user"], confirmed=False).bin_key
    )
    backup = bare.post(VERIFY, {"token": cs_two_factor["backup_codes"][0]}, format="json")
    assert backup.status_code == 200 and "backupCodes" not in backup.json()["data"]


def test_an_unconfirmed_device_beside_a_confirmed_one_is_ignored_by_the_bare_token(cs_two_factor):
    """A pending secret planted before this rule (or by any other path) opens nothing."""
    planted = TOTPDevice.objects.create(user=cs_two_factor["user"], name="x", confirmed=False)
    secret = b32encode(planted.bin_key).decode().rstrip("=")
    response = client_with(cs_two_factor["access_token"]).post(
        VERIFY, {"token": totp_code(secret)}, format="json"
    )
    assert_error(response, 400, "TWO_FACTOR_CODE_INVALID")
    cs_two_factor["user"].refresh_from_db()
    assert TOTPDevice.objects.filter(user=cs_two_factor["user"]).count() == 2


def test_the_setup_schema_documents_current_code(api):
    schema = api.get(f"{CRYPTOSHOP}/schema/", {"format": "json"}).json()
    body = schema["paths"]["/auth/2fa/setup"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "currentCode" in schema["components"]["schemas"][ref]["properties"]


# --- 2FA verify ----------------------------------------------------------------------------


def test_first_verify_turns_2fa_on_and_hands_out_ten_backup_codes(cs_account):
    secret = setup_2fa(cs_account.access_token)
    client = client_with(cs_account.access_token)
    response = client.post(VERIFY, {"token": totp_code(secret)}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"success", "data"}
    data = body["data"]
    assert set(data) == {"verified", "backupCodes", "sessionToken"}
    assert data["verified"] is True
    assert len(data["backupCodes"]) == 10 and len(set(data["backupCodes"])) == 10
    assert data["sessionToken"].startswith("css_")
    cs_account.user.refresh_from_db()
    assert cs_account.user.two_factor_enabled is True
    assert TOTPDevice.objects.get(user=cs_account.user).confirmed is True
    # backup codes and the session token are kept only as digests
    stored = set(
        StaticToken.objects.filter(device__user=cs_account.user).values_list("token", flat=True)
    )
    assert len(stored) == 10 and not stored & set(data["backupCodes"])
    assert LoginSession.objects.filter(token_hash=token_hash(data["sessionToken"])).exists()


def test_later_verifies_open_a_session_without_new_backup_codes(cs_two_factor):
    client = client_with(cs_two_factor["access_token"])
    response = client.post(VERIFY, {"token": totp_code(cs_two_factor["secret"], 1)}, format="json")
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {"verified", "sessionToken"}
    assert data["verified"] is True
    assert data["sessionToken"] != cs_two_factor["session_token"]


def test_the_same_totp_code_is_refused_the_second_time(cs_account):
    secret = setup_2fa(cs_account.access_token)
    client = client_with(cs_account.access_token)
    code = totp_code(secret)
    assert client.post(VERIFY, {"token": code}, format="json").status_code == 200
    again = client.post(VERIFY, {"token": code}, format="json")
    body = assert_error(again, 400, "TWO_FACTOR_CODE_INVALID")
    assert "token" in body["details"]


def test_a_wrong_code_changes_nothing(cs_account):
    secret = setup_2fa(cs_account.access_token)
    wrong = str((int(totp_code(secret)) + 1) % 1_000_000).zfill(6)
    response = client_with(cs_account.access_token).post(VERIFY, {"token": wrong}, format="json")
    assert_error(response, 400, "TWO_FACTOR_CODE_INVALID")
    cs_account.user.refresh_from_db()
    assert cs_account.user.two_factor_enabled is False
    assert TOTPDevice.objects.get(user=cs_account.user).confirmed is False
    assert not LoginSession.objects.filter(user=cs_account.user).exists()


def test_a_right_code_right_after_a_typo_is_accepted(cs_account):
    secret = setup_2fa(cs_account.access_token)
    client = client_with(cs_account.access_token)
    assert client.post(VERIFY, {"token": "000000x"}, format="json").status_code == 400
    assert client.post(VERIFY, {"token": totp_code(secret)}, format="json").status_code == 200


def test_verify_before_setup_answers_400_not_set_up(cs_account):
    response = client_with(cs_account.access_token).post(VERIFY, {"token": "123456"}, format="json")
    assert_error(response, 400, "TWO_FACTOR_NOT_SET_UP")


def test_verify_without_a_code_answers_400_validation_error(cs_account):
    response = client_with(cs_account.access_token).post(VERIFY, {}, format="json")
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert "token" in body["details"]


def test_a_backup_code_works_once(cs_two_factor):
    client = client_with(cs_two_factor["access_token"])
    code = cs_two_factor["backup_codes"][3]
    first = client.post(VERIFY, {"token": code}, format="json")
    assert first.status_code == 200
    assert set(first.json()["data"]) == {"verified", "sessionToken"}
    assert_error(
        client.post(VERIFY, {"token": code}, format="json"), 400, "TWO_FACTOR_CODE_INVALID"
    )
    assert StaticToken.objects.filter(device__user=cs_two_factor["user"]).count() == 9
    # the session it opened passes the gate (re-keying also wants a current code)
    session = client_with(first.json()["data"]["sessionToken"])
    current = {"currentCode": cs_two_factor["backup_codes"][4]}
    assert session.post(SETUP, current, format="json").status_code == 200


def test_backup_codes_are_not_accepted_before_2fa_is_on(cs_account):
    setup_2fa(cs_account.access_token)
    response = client_with(cs_account.access_token).post(
        VERIFY, {"token": "abcdefgh"}, format="json"
    )
    assert_error(response, 400, "TWO_FACTOR_CODE_INVALID")


def test_five_wrong_codes_lock_verify_with_429(cs_two_factor):
    client = client_with(cs_two_factor["access_token"])
    for _ in range(5):
        assert_error(
            client.post(VERIFY, {"token": "nope-nope"}, format="json"),
            400,
            "TWO_FACTOR_CODE_INVALID",
        )
    locked = client.post(VERIFY, {"token": totp_code(cs_two_factor["secret"], 1)}, format="json")
    assert_error(locked, 429, "TWO_FACTOR_LOCKED")
    assert 0 < int(locked["Retry-After"]) <= 15 * 60
    # the lock is per user: another account is not affected
    from accounts.services.cryptoshop_auth import cryptoshop_user_register

    other = cryptoshop_user_register()
    setup_2fa(other.access_token)
    assert (
        client_with(other.access_token).post(VERIFY, {"token": "x"}, format="json").status_code
        == 400
    )


def test_a_right_code_clears_the_wrong_code_count(cs_two_factor):
    client = client_with(cs_two_factor["access_token"])
    for _ in range(4):
        client.post(VERIFY, {"token": "bad"}, format="json")
    assert (
        client.post(VERIFY, {"token": cs_two_factor["backup_codes"][0]}, format="json").status_code
        == 200
    )
    for _ in range(5):
        assert client.post(VERIFY, {"token": "bad"}, format="json").status_code == 400
    assert client.post(VERIFY, {"token": "bad"}, format="json").status_code == 429


def _session_ttl(token: str) -> timedelta:
    session = LoginSession.objects.get(token_hash=token_hash(token))
    return session.expires_at - session.created_at


def test_remember_device_at_login_makes_the_session_last_30_days(api, cs_two_factor):
    token = cs_two_factor["access_token"]
    api.post(LOGIN, {"accessToken": token, "rememberDevice": True}, format="json")
    response = client_with(token).post(
        VERIFY, {"token": totp_code(cs_two_factor["secret"], 1)}, format="json"
    )
    ttl = _session_ttl(response.json()["data"]["sessionToken"])
    assert abs(ttl - settings.CRYPTOSHOP_REMEMBERED_SESSION_TTL) < timedelta(minutes=1)
    assert settings.CRYPTOSHOP_REMEMBERED_SESSION_TTL == timedelta(days=30)


def test_without_remember_device_the_session_lasts_12_hours(api, cs_two_factor):
    token = cs_two_factor["access_token"]
    api.post(LOGIN, {"accessToken": token, "rememberDevice": False}, format="json")
    response = client_with(token).post(
        VERIFY, {"token": cs_two_factor["backup_codes"][0]}, format="json"
    )
    ttl = _session_ttl(response.json()["data"]["sessionToken"])
    assert abs(ttl - timedelta(hours=12)) < timedelta(minutes=1)


def test_remember_device_on_verify_overrides_the_login_choice(api, cs_two_factor):
    token = cs_two_factor["access_token"]
    response = client_with(token).post(
        VERIFY, {"token": cs_two_factor["backup_codes"][0], "rememberDevice": True}, format="json"
    )
    ttl = _session_ttl(response.json()["data"]["sessionToken"])
    assert abs(ttl - timedelta(days=30)) < timedelta(minutes=1)


def test_re_keying_2fa_keeps_the_old_device_until_a_session_confirms_the_new_one(cs_two_factor):
    session = client_with(cs_two_factor["session_token"])
    current = {"currentCode": totp_code(cs_two_factor["secret"], 1)}
    new_secret = session.post(SETUP, current, format="json").json()["data"]["secret"]
    bare = client_with(cs_two_factor["access_token"])
    # the old device still opens sessions (its backup codes too: the step above spent a TOTP)
    old = bare.post(VERIFY, {"token": cs_two_factor["backup_codes"][0]}, format="json")
    assert old.status_code == 200 and "backupCodes" not in old.json()["data"]
    # a code from the new secret, sent with a session, confirms it, drops the old device and
    # renews the backup codes
    new = session.post(VERIFY, {"token": totp_code(new_secret)}, format="json")
    assert new.status_code == 200
    codes = new.json()["data"]["backupCodes"]
    assert len(codes) == 10
    assert TOTPDevice.objects.filter(user=cs_two_factor["user"]).count() == 1
    old_backup = bare.post(VERIFY, {"token": cs_two_factor["backup_codes"][1]}, format="json")
    assert_error(old_backup, 400, "TWO_FACTOR_CODE_INVALID")
    old_totp = bare.post(VERIFY, {"token": totp_code(cs_two_factor["secret"], -1)}, format="json")
    assert_error(old_totp, 400, "TWO_FACTOR_CODE_INVALID")


# --- where the token travels ---------------------------------------------------------------


def test_the_token_is_accepted_in_the_query_string(cs_account):
    from rest_framework.test import APIClient

    response = APIClient().post(
        f"{SETUP}?access_token={cs_account.access_token}", {}, format="json"
    )
    assert response.status_code == 200


def test_the_token_is_accepted_in_the_body_flat_and_wrapped_in_data(cs_account):
    from rest_framework.test import APIClient

    secret = setup_2fa(cs_account.access_token)
    client = APIClient()
    wrapped = client.post(
        VERIFY,
        {"access_token": cs_account.access_token, "data": {"token": totp_code(secret)}},
        format="json",
    )
    assert wrapped.status_code == 200, wrapped.content
    flat = client.post(
        VERIFY,
        {
            "access_token": cs_account.access_token,
            "token": wrapped.json()["data"]["backupCodes"][0],
        },
        format="json",
    )
    assert flat.status_code == 200, flat.content


def test_a_non_bearer_authorization_header_answers_401(cs_account):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {cs_account.access_token}")
    assert_error(client.post(SETUP), 401, "INVALID_TOKEN")


# --- the 2FA gate ----------------------------------------------------------------------------


def test_the_bare_access_token_still_opens_verify_and_logout_when_2fa_is_on(cs_two_factor):
    bare = client_with(cs_two_factor["access_token"])
    assert (
        bare.post(VERIFY, {"token": cs_two_factor["backup_codes"][1]}, format="json").status_code
        == 200
    )
    assert bare.post(LOGOUT).status_code == 200


def test_a_session_token_of_a_revoked_session_answers_401(cs_two_factor):
    client = client_with(cs_two_factor["session_token"])
    assert client.post(LOGOUT).status_code == 200
    assert_error(client.post(SETUP), 401, "INVALID_TOKEN")


def test_an_expired_session_token_answers_401(cs_two_factor):
    from django.utils import timezone

    LoginSession.objects.filter(token_hash=token_hash(cs_two_factor["session_token"])).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert_error(client_with(cs_two_factor["session_token"]).post(SETUP), 401, "INVALID_TOKEN")


# --- logout ----------------------------------------------------------------------------------


def test_logout_answers_the_documented_body_and_revokes_the_session(cs_two_factor):
    response = client_with(cs_two_factor["session_token"]).post(LOGOUT)
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Logged out successfully"}
    session = LoginSession.objects.get(token_hash=token_hash(cs_two_factor["session_token"]))
    assert session.revoked_at is not None


def test_logout_with_the_access_token_leaves_other_sessions_alone(cs_two_factor):
    response = client_with(cs_two_factor["access_token"]).post(LOGOUT)
    assert response.status_code == 200
    assert response.json()["message"] == "Logged out successfully"
    assert (
        LoginSession.objects.filter(user=cs_two_factor["user"], revoked_at__isnull=True).count()
        == 1
    )
    # the access token is the account itself: it keeps working
    assert client_with(cs_two_factor["access_token"]).post(LOGOUT).status_code == 200


def test_logout_without_a_token_answers_401(api):
    assert_error(api.post(LOGOUT), 401, "AUTHENTICATION_REQUIRED")


# --- suspension ----------------------------------------------------------------------------


def test_a_suspended_account_is_refused_with_its_access_or_session_token(cs_two_factor):
    user_suspend(user=cs_two_factor["user"], reason="abuse", by=None)
    assert_error(client_with(cs_two_factor["access_token"]).post(LOGOUT), 403, "ACCOUNT_SUSPENDED")
    # suspension revoked the session: its token is simply no longer valid
    session_client = client_with(cs_two_factor["session_token"])
    assert_error(session_client.post(SETUP), 401, "INVALID_TOKEN")
    assert (
        LoginSession.objects.filter(user=cs_two_factor["user"], revoked_at__isnull=True).count()
        == 0
    )


def test_authenticated_requests_spend_the_user_budget(cs_account):
    response = client_with(cs_account.access_token).post(SETUP)
    assert response["X-RateLimit-Limit"] == "1000"
    assert response["X-RateLimit-Remaining"] == "999"


@pytest.mark.django_db(transaction=True)
def test_one_totp_code_sent_twice_at_once_opens_one_session():
    from accounts.services.cryptoshop_auth import cryptoshop_2fa_setup, cryptoshop_user_register

    if not settings.USES_POSTGRES:
        pytest.skip("row locks need PostgreSQL (SQLite serialises all writers)")
    account = cryptoshop_user_register()
    secret = cryptoshop_2fa_setup(user=account.user).secret
    code = totp_code(secret)

    def attempt() -> int:
        client = client_with(account.access_token)
        return client.post(VERIFY, {"token": code}, format="json").status_code

    statuses = at_once(2, attempt)
    assert sorted(statuses) == [200, 400]
    assert LoginSession.objects.filter(user=account.user).count() == 1


def test_backup_codes_ignore_case_spaces_and_hyphens(cs_two_factor):
    code = cs_two_factor["backup_codes"][5]
    typed = f" {code[:4].upper()}-{code[4:].upper()} "
    response = client_with(cs_two_factor["access_token"]).post(
        VERIFY, {"token": typed}, format="json"
    )
    assert response.status_code == 200
