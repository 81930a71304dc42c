"""Techaven section 1: register, login, verify-otp, resend-otp, forgot/reset password,
refresh-token, logout — bodies, statuses and every documented error."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import EmailOTP, LoginSession, PasswordResetToken, User
from accounts.services.otp import otp_issue
from accounts.tokens import token_hash
from tests.conftest import TECHAVEN
from tests.factories.accounts import TechavenUserFactory
from tests.helpers.techaven import PASSWORD, assert_error, codes_sent_to, last_code, set_code

pytestmark = pytest.mark.django_db

REGISTER = {"full_name": "John Doe", "email": "john@example.com", "password": "securePassword123"}


def register(th, **overrides):
    return th.post("auth/register", {**REGISTER, **overrides})


def sign_in(th, email, password=PASSWORD):
    response = th.post("auth/login", {"email": email, "password": password})
    assert response.status_code == 200, response.content
    verified = th.post(
        "auth/verify-otp", {"email": email, "otp": last_code(email), "type": "login"}
    )
    assert verified.status_code == 200, verified.content
    return verified.json()["data"]


# --- register ----------------------------------------------------------------
def test_register_creates_an_unverified_user_and_mails_a_signup_otp(th):
    response = register(th)
    assert response.status_code == 200
    body = response.json()
    user = User.objects.get(email="john@example.com")
    assert body == {
        "success": True,
        "message": "OTP sent to email",
        "data": {"user_id": f"usr_{user.uid}", "email": "john@example.com"},
    }
    assert user.storefront == "techaven"
    assert user.full_name == "John Doe"
    assert user.check_password("securePassword123")
    assert user.email_verified_at is None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["john@example.com"]
    otp = EmailOTP.objects.get(user=user)
    assert otp.purpose == "signup"
    code = last_code("john@example.com")
    # only a keyed hash is kept, never the code
    assert code not in otp.code_hash and len(otp.code_hash) == 64
    assert otp.expires_at == otp.created_at + timedelta(minutes=10)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("full_name", "John"),
        ("full_name", "   "),
        ("email", "not-an-email"),
        ("password", "12345"),
    ],
)
def test_register_validation_errors_are_400_with_field_errors(th, field, value):
    response = register(th, **{field: value})
    assert_error(response, 400, field)
    assert not User.objects.filter(storefront="techaven").exists()
    assert mail.outbox == []


def test_register_missing_fields_are_all_reported(th):
    body = assert_error(th.post("auth/register", {}), 400)
    assert set(body["errors"]) == {"full_name", "email", "password"}


def test_register_with_a_taken_email_in_any_case_is_409(th):
    TechavenUserFactory(email="john@example.com")
    response = register(th, email="John@Example.COM")
    body = assert_error(response, 409)
    assert body["message"] == "Email already registered"
    assert User.objects.filter(email__iexact="john@example.com").count() == 1


def test_the_same_email_may_exist_on_cryptoshop_and_techaven_separately(th):
    User.objects.create_user("cs_john", email="john@example.com", storefront="cryptoshop")
    assert register(th).status_code == 200


def test_an_idempotent_register_retry_replays_without_a_second_user_or_email(th):
    first = th.post("auth/register", REGISTER, HTTP_IDEMPOTENCY_KEY="signup-1")
    again = th.post("auth/register", REGISTER, HTTP_IDEMPOTENCY_KEY="signup-1")
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert User.objects.filter(email="john@example.com").count() == 1
    assert len(mail.outbox) == 1


# --- login -------------------------------------------------------------------
def test_login_checks_the_password_and_mails_a_login_otp(th, user):
    response = th.post("auth/login", {"email": "CHIKONDI@example.mw", "password": PASSWORD})
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "OTP sent to email",
        "data": {"user_id": f"usr_{user.uid}", "email": user.email},
    }
    assert EmailOTP.objects.get(user=user).purpose == "login"
    assert len(codes_sent_to(user.email)) == 1


def test_login_twice_within_a_minute_reuses_the_code_already_sent(th, user):
    th.post("auth/login", {"email": user.email, "password": PASSWORD})
    th.post("auth/login", {"email": user.email, "password": PASSWORD})
    assert len(codes_sent_to(user.email)) == 1
    assert EmailOTP.objects.filter(user=user).count() == 1


@pytest.mark.parametrize(
    "credentials",
    [
        {"email": "chikondi@example.mw", "password": "wrong-password"},
        {"email": "nobody@example.mw", "password": PASSWORD},
    ],
)
def test_login_with_a_wrong_password_or_unknown_email_is_the_same_401(th, user, credentials):
    body = assert_error(th.post("auth/login", credentials), 401)
    assert body["message"] == "Invalid email or password"
    assert mail.outbox == []


def test_login_of_a_suspended_account_is_403(th, user):
    User.objects.filter(pk=user.pk).update(suspended_at=timezone.now())
    body = assert_error(th.post("auth/login", {"email": user.email, "password": PASSWORD}), 403)
    assert body["message"] == "Account suspended"
    assert mail.outbox == []


def test_login_of_a_deactivated_account_is_403(th, user):
    User.objects.filter(pk=user.pk).update(is_active=False)
    body = assert_error(th.post("auth/login", {"email": user.email, "password": PASSWORD}), 403)
    assert body["message"] == "Account deactivated"


def test_login_validation_error_is_400(th):
    assert_error(th.post("auth/login", {"email": "x@example.mw"}), 400, "password")


# --- verify-otp --------------------------------------------------------------
def test_verify_signup_otp_answers_the_documented_session(th):
    register(th)
    response = th.post(
        "auth/verify-otp",
        {"email": "john@example.com", "otp": last_code("john@example.com"), "type": "signup"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["message"] == "Verification successful"
    data = body["data"]
    user = User.objects.get(email="john@example.com")
    assert data["user"] == {
        "id": f"usr_{user.uid}",
        "full_name": "John Doe",
        "email": "john@example.com",
        "phone": None,
        "avatar_url": None,
        "created_at": data["user"]["created_at"],
    }
    assert data["user"]["created_at"].endswith("Z")
    assert data["token_type"] == "Bearer"
    assert data["expires_in"] == 3600
    assert data["access_token"].count(".") == 2 and data["refresh_token"].count(".") == 2
    assert user.email_verified_at is not None
    assert LoginSession.objects.filter(user=user, revoked_at__isnull=True).count() == 1
    profile = th.get("user/profile", HTTP_AUTHORIZATION=f"Bearer {data['access_token']}")
    assert profile.status_code == 200


def test_verify_login_otp_opens_a_session(th, user):
    data = sign_in(th, user.email)
    assert data["user"]["id"] == f"usr_{user.uid}"
    assert data["expires_in"] == 3600


def test_an_otp_works_only_once(th, user):
    th.post("auth/login", {"email": user.email, "password": PASSWORD})
    code = last_code(user.email)
    payload = {"email": user.email, "otp": code, "type": "login"}
    assert th.post("auth/verify-otp", payload).status_code == 200
    body = assert_error(th.post("auth/verify-otp", payload), 400)
    assert body["message"] == "Invalid or expired OTP"


def test_a_wrong_otp_is_400(th, user):
    th.post("auth/login", {"email": user.email, "password": PASSWORD})
    code = last_code(user.email)
    wrong = "000000" if code != "000000" else "111111"
    body = assert_error(
        th.post("auth/verify-otp", {"email": user.email, "otp": wrong, "type": "login"}), 400
    )
    assert body["message"] == "Invalid or expired OTP"
    assert body["errors"] == {"otp": ["Invalid or expired OTP"]}


def test_an_otp_of_another_purpose_is_refused(th, user):
    th.post("auth/login", {"email": user.email, "password": PASSWORD})
    payload = {"email": user.email, "otp": last_code(user.email), "type": "password_reset"}
    assert_error(th.post("auth/verify-otp", payload), 400)


def test_an_expired_otp_is_400(th, user):
    th.post("auth/login", {"email": user.email, "password": PASSWORD})
    code = last_code(user.email)
    EmailOTP.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    payload = {"email": user.email, "otp": code, "type": "login"}
    body = assert_error(th.post("auth/verify-otp", payload), 400)
    assert body["message"] == "Invalid or expired OTP"


def test_an_otp_is_valid_for_ten_minutes(th, user, monkeypatch):
    th.post("auth/login", {"email": user.email, "password": PASSWORD})
    code = last_code(user.email)
    later = timezone.now() + timedelta(minutes=9, seconds=50)
    monkeypatch.setattr(timezone, "now", lambda: later)
    payload = {"email": user.email, "otp": code, "type": "login"}
    assert th.post("auth/verify-otp", payload).status_code == 200


def test_an_otp_is_dead_after_ten_minutes(th, user, monkeypatch):
    th.post("auth/login", {"email": user.email, "password": PASSWORD})
    code = last_code(user.email)
    later = timezone.now() + timedelta(minutes=10, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    payload = {"email": user.email, "otp": code, "type": "login"}
    assert_error(th.post("auth/verify-otp", payload), 400)


def test_five_wrong_tries_kill_the_otp(th, user):
    th.post("auth/login", {"email": user.email, "password": PASSWORD})
    code = last_code(user.email)
    wrong = "000000" if code != "000000" else "111111"
    payload = {"email": user.email, "otp": wrong, "type": "login"}
    for _ in range(4):
        assert_error(th.post("auth/verify-otp", payload), 400)
    body = assert_error(th.post("auth/verify-otp", payload), 429)
    assert body["message"].startswith("Too many attempts")
    assert EmailOTP.objects.get(user=user).attempts == 5
    # even the right code no longer works, and nothing else is counted
    right = {**payload, "otp": code}
    assert_error(th.post("auth/verify-otp", right), 429)
    assert EmailOTP.objects.get(user=user).attempts == 5
    assert not LoginSession.objects.filter(user=user).exists()


def test_ten_wrong_codes_in_an_hour_stop_every_code_of_the_account_for_that_hour(
    th, user, settings
):
    """Five tries per code, but forgot-password hands out a new code every minute to anyone
    who knows the address: about five guesses a minute, without end (a security review).
    Ten wrong codes of one purpose within an hour, over all of them, and the account takes
    none (the right one included) until the hour has passed; other purposes are not held."""
    settings.RATELIMIT_ENABLED = False  # an attacker's requests come from many addresses

    def fresh_code() -> str:
        _age_otps(user, 61)  # the resend interval has passed
        assert th.post("auth/forgot-password", {"email": user.email}).status_code == 200
        return last_code(user.email)

    for _ in range(2):
        code = fresh_code()
        wrong = {"email": user.email, "otp": f"{(int(code) + 1) % 10**6:06d}"}
        for _ in range(5):
            th.post("auth/verify-otp", {**wrong, "type": "password_reset"})
    code = fresh_code()
    right = {"email": user.email, "otp": code, "type": "password_reset"}
    response = th.post("auth/verify-otp", right)
    body = assert_error(response, 429)
    assert body["message"] == "Too many wrong codes. Try again later."
    assert 0 < int(response["Retry-After"]) <= 3600
    assert not PasswordResetToken.objects.filter(user=user).exists()
    # signing in is not held by the reset codes' wrong tries
    th.post("auth/login", {"email": user.email, "password": PASSWORD})
    login = {"email": user.email, "otp": last_code(user.email), "type": "login"}
    assert th.post("auth/verify-otp", login).status_code == 200

    _age_otps(user, 3601)  # the hour has passed
    assert th.post("auth/forgot-password", {"email": user.email}).status_code == 200
    code = last_code(user.email)
    final = th.post("auth/verify-otp", {**right, "otp": code})
    assert final.status_code == 200, final.json()


def test_verify_for_an_unknown_email_is_the_same_400(th):
    payload = {"email": "ghost@example.mw", "otp": "123456", "type": "login"}
    body = assert_error(th.post("auth/verify-otp", payload), 400)
    assert body["message"] == "Invalid or expired OTP"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "a@b.mw", "otp": "12345", "type": "login"}, "otp"),
        ({"email": "a@b.mw", "otp": "abcdef", "type": "login"}, "otp"),
        ({"email": "a@b.mw", "otp": "123456", "type": "sign-in"}, "type"),
        ({"otp": "123456", "type": "login"}, "email"),
    ],
)
def test_verify_otp_validation_errors_are_400(th, payload, field):
    assert_error(th.post("auth/verify-otp", payload), 400, field)


def test_a_suspended_user_cannot_finish_signing_in(th, user):
    th.post("auth/login", {"email": user.email, "password": PASSWORD})
    User.objects.filter(pk=user.pk).update(suspended_at=timezone.now())
    payload = {"email": user.email, "otp": last_code(user.email), "type": "login"}
    assert_error(th.post("auth/verify-otp", payload), 403)
    assert not LoginSession.objects.filter(user=user).exists()


# --- resend-otp --------------------------------------------------------------
def _age_otps(user, seconds: int) -> None:
    past = timezone.now() - timedelta(seconds=seconds)
    EmailOTP.objects.filter(user=user).update(created_at=past)


def test_resend_within_a_minute_is_429_with_retry_after(th):
    register(th)
    response = th.post("auth/resend-otp", {"email": "john@example.com", "type": "signup"})
    assert_error(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60
    assert len(mail.outbox) == 1


def test_resend_after_a_minute_sends_a_new_code_and_the_old_one_dies(th):
    register(th)
    old = last_code("john@example.com")
    _age_otps(User.objects.get(email="john@example.com"), 61)
    response = th.post("auth/resend-otp", {"email": "john@example.com", "type": "signup"})
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "OTP sent successfully",
        "data": {"email": "john@example.com"},
    }
    new = last_code("john@example.com")
    assert len(codes_sent_to("john@example.com")) == 2
    if new != old:
        stale = {"email": "john@example.com", "otp": old, "type": "signup"}
        assert_error(th.post("auth/verify-otp", stale), 400)
    fresh = {"email": "john@example.com", "otp": new, "type": "signup"}
    assert th.post("auth/verify-otp", fresh).status_code == 200


def test_resend_resets_the_attempt_count(th, user):
    th.post("auth/login", {"email": user.email, "password": PASSWORD})
    EmailOTP.objects.filter(user=user).update(attempts=5)
    _age_otps(user, 61)
    assert th.post("auth/resend-otp", {"email": user.email, "type": "login"}).status_code == 200
    payload = {"email": user.email, "otp": last_code(user.email), "type": "login"}
    assert th.post("auth/verify-otp", payload).status_code == 200


def test_resend_for_an_unknown_email_answers_200_and_sends_nothing(th):
    response = th.post("auth/resend-otp", {"email": "ghost@example.mw", "type": "signup"})
    assert response.status_code == 200
    assert mail.outbox == []


def test_resend_of_a_login_code_needs_a_recent_password_check(th, user):
    # no login was started: a login code would sign in without the password
    response = th.post("auth/resend-otp", {"email": user.email, "type": "login"})
    assert response.status_code == 200
    assert mail.outbox == []


def test_resend_of_a_signup_code_for_a_verified_account_sends_nothing(th, user):
    assert th.post("auth/resend-otp", {"email": user.email, "type": "signup"}).status_code == 200
    assert mail.outbox == []


# --- forgot / reset password -------------------------------------------------
def _reset_token(th, user) -> str:
    response = th.post("auth/forgot-password", {"email": user.email})
    assert response.status_code == 200
    payload = {"email": user.email, "otp": last_code(user.email), "type": "password_reset"}
    verified = th.post("auth/verify-otp", payload)
    assert verified.status_code == 200
    assert verified.json()["message"] == "OTP verified"
    return verified.json()["data"]["reset_token"]


def test_forgot_password_mails_a_reset_otp(th, user):
    response = th.post("auth/forgot-password", {"email": user.email})
    assert response.json() == {
        "success": True,
        "message": "Password reset OTP sent",
        "data": {"email": user.email},
    }
    assert EmailOTP.objects.get(user=user).purpose == "password_reset"
    assert len(codes_sent_to(user.email)) == 1


def test_forgot_password_for_an_unknown_email_is_404(th):
    body = assert_error(th.post("auth/forgot-password", {"email": "ghost@example.mw"}), 404)
    assert body["message"] == "Email not found"


def test_verify_password_reset_otp_grants_a_hashed_reset_token(th, user):
    token = _reset_token(th, user)
    assert token.startswith("rst_")
    stored = PasswordResetToken.objects.get(user=user)
    assert stored.token_hash != token and token not in stored.token_hash
    assert stored.expires_at - stored.created_at == timedelta(minutes=15)
    assert not LoginSession.objects.filter(user=user).exists()


def test_reset_password_sets_the_password_and_signs_out_everywhere(th, user, tokens):
    token = _reset_token(th, user)
    response = th.post(
        "auth/reset-password",
        {"email": user.email, "reset_token": token, "new_password": "newSecure456"},
    )
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Password reset successful",
        "data": None,
    }
    user.refresh_from_db()
    assert user.check_password("newSecure456")
    old = th.get("user/profile", HTTP_AUTHORIZATION=f"Bearer {tokens.access_token}")
    assert_error(old, 401)
    assert_error(th.post("auth/login", {"email": user.email, "password": PASSWORD}), 401)
    assert (
        th.post("auth/login", {"email": user.email, "password": "newSecure456"}).status_code == 200
    )


def test_a_password_reset_kills_every_code_and_token_issued_before_it(th, user):
    """Issue 12, finding 10: a login OTP issued before a reset must not sign anyone in after it."""
    assert th.post("auth/login", {"email": user.email, "password": PASSWORD}).status_code == 200
    login_code = last_code(user.email)
    otp_issue(user=user, purpose="signup")
    set_code(user, "signup", "111111")
    token = _reset_token(th, user)
    otp_issue(user=user, purpose="password_reset")  # a second forgot-password, not yet used
    set_code(user, "password_reset", "222222")

    payload = {"email": user.email, "reset_token": token, "new_password": "newSecure456"}
    assert th.post("auth/reset-password", payload).status_code == 200

    for code, purpose in (
        (login_code, "login"),
        ("111111", "signup"),
        ("222222", "password_reset"),
    ):
        late = th.post("auth/verify-otp", {"email": user.email, "otp": code, "type": purpose})
        body = assert_error(late, 400, "otp")
        assert body["message"] == "Invalid or expired OTP"
    assert not EmailOTP.objects.filter(user=user, used_at__isnull=True).exists()
    assert not PasswordResetToken.objects.filter(user=user, used_at__isnull=True).exists()
    assert not LoginSession.objects.filter(user=user, revoked_at__isnull=True).exists()


def test_a_reset_also_kills_a_second_live_reset_token(th, user):
    """Only one reset token is ever live, but a reset must not rely on it."""
    token = _reset_token(th, user)
    stray = PasswordResetToken.objects.create(
        user=user,
        token_hash=token_hash("rst_stray"),
        expires_at=timezone.now() + timedelta(minutes=15),
    )
    payload = {"email": user.email, "reset_token": token, "new_password": "newSecure456"}
    assert th.post("auth/reset-password", payload).status_code == 200
    stray.refresh_from_db()
    assert stray.used_at is not None
    again = {**payload, "reset_token": "rst_stray", "new_password": "otherSecure789"}
    assert_error(th.post("auth/reset-password", again), 400, "reset_token")


def test_a_reset_token_works_once(th, user):
    token = _reset_token(th, user)
    payload = {"email": user.email, "reset_token": token, "new_password": "newSecure456"}
    assert th.post("auth/reset-password", payload).status_code == 200
    body = assert_error(th.post("auth/reset-password", payload), 400)
    assert body["message"] == "Invalid or expired reset token"


def test_an_expired_or_unknown_reset_token_is_400(th, user):
    token = _reset_token(th, user)
    PasswordResetToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    payload = {"email": user.email, "reset_token": token, "new_password": "newSecure456"}
    assert_error(th.post("auth/reset-password", payload), 400, "reset_token")
    payload["reset_token"] = "rst_made-up"
    assert_error(th.post("auth/reset-password", payload), 400, "reset_token")


def test_a_reset_token_belongs_to_its_account(th, user):
    token = _reset_token(th, user)
    other = TechavenUserFactory()
    payload = {"email": other.email, "reset_token": token, "new_password": "newSecure456"}
    assert_error(th.post("auth/reset-password", payload), 400)


def test_a_weak_new_password_is_422_and_the_token_stays_usable(th, user):
    token = _reset_token(th, user)
    weak = {"email": user.email, "reset_token": token, "new_password": "12345"}
    body = assert_error(th.post("auth/reset-password", weak), 422, "new_password")
    assert "requirements" in body["message"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    good = {**weak, "new_password": "123456"}
    assert th.post("auth/reset-password", good).status_code == 200


# --- refresh-token -----------------------------------------------------------
def test_refresh_rotates_the_pair(th, user):
    data = sign_in(th, user.email)
    response = th.post("auth/refresh-token", {"refresh_token": data["refresh_token"]})
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Token refreshed"
    new = body["data"]
    assert set(new) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert new["token_type"] == "Bearer" and new["expires_in"] == 3600
    assert new["refresh_token"] != data["refresh_token"]
    assert (
        th.get("user/profile", HTTP_AUTHORIZATION=f"Bearer {new['access_token']}").status_code
        == 200
    )
    again = th.post("auth/refresh-token", {"refresh_token": new["refresh_token"]})
    assert again.status_code == 200


def test_reusing_a_rotated_refresh_token_is_401_and_ends_the_session(th, user):
    data = sign_in(th, user.email)
    rotated = th.post("auth/refresh-token", {"refresh_token": data["refresh_token"]})
    new = rotated.json()["data"]
    reuse = th.post("auth/refresh-token", {"refresh_token": data["refresh_token"]})
    body = assert_error(reuse, 401)
    assert body["message"] == "Invalid or expired refresh token"
    # a replayed refresh token means it leaked: the whole session is revoked
    assert_error(th.post("auth/refresh-token", {"refresh_token": new["refresh_token"]}), 401)
    assert_error(th.get("user/profile", HTTP_AUTHORIZATION=f"Bearer {new['access_token']}"), 401)


@pytest.mark.parametrize("token", ["garbage", "a.b.c", ""])
def test_a_malformed_refresh_token_is_401_or_400(th, token):
    response = th.post("auth/refresh-token", {"refresh_token": token})
    assert_error(response, 400 if token == "" else 401)


def test_an_access_token_is_not_a_refresh_token(th, user):
    data = sign_in(th, user.email)
    assert_error(th.post("auth/refresh-token", {"refresh_token": data["access_token"]}), 401)


def test_an_expired_refresh_token_is_401(th, user, monkeypatch):
    data = sign_in(th, user.email)
    later = timezone.now() + timedelta(days=31)
    monkeypatch.setattr(timezone, "now", lambda: later)
    import rest_framework_simplejwt.tokens as jwt_tokens

    monkeypatch.setattr(jwt_tokens, "aware_utcnow", lambda: later)
    assert_error(th.post("auth/refresh-token", {"refresh_token": data["refresh_token"]}), 401)


def test_refresh_of_a_suspended_user_is_401(th, user):
    data = sign_in(th, user.email)
    User.objects.filter(pk=user.pk).update(suspended_at=timezone.now())
    assert_error(th.post("auth/refresh-token", {"refresh_token": data["refresh_token"]}), 401)


# --- logout ------------------------------------------------------------------
def test_logout_kills_the_access_and_refresh_tokens_of_that_session(th, user):
    data = sign_in(th, user.email)
    bearer = f"Bearer {data['access_token']}"
    response = th.post("auth/logout", HTTP_AUTHORIZATION=bearer)
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Logged out successfully",
        "data": None,
    }
    assert_error(th.get("user/profile", HTTP_AUTHORIZATION=bearer), 401)
    assert_error(th.post("auth/refresh-token", {"refresh_token": data["refresh_token"]}), 401)
    assert_error(th.post("auth/logout", HTTP_AUTHORIZATION=bearer), 401)


def test_logout_leaves_the_other_devices_signed_in(th, user, tokens):
    data = sign_in(th, user.email)
    th.post("auth/logout", HTTP_AUTHORIZATION=f"Bearer {data['access_token']}")
    assert (
        th.get("user/profile", HTTP_AUTHORIZATION=f"Bearer {tokens.access_token}").status_code
        == 200
    )


def test_logout_without_a_token_is_401(th):
    assert_error(th.post("auth/logout"), 401)


# --- rate limit --------------------------------------------------------------
def test_the_eleventh_auth_request_in_a_minute_is_429(th, user):
    bad = {"email": user.email, "password": "wrong-password"}
    for i in range(10):
        response = th.post("auth/login", bad)
        assert response.status_code == 401
        assert response["X-RateLimit-Limit"] == "10"
        assert response["X-RateLimit-Remaining"] == str(9 - i)
    response = th.post("auth/login", bad)
    body = assert_error(response, 429)
    assert body["message"] == "Rate limit exceeded"
    assert response["X-RateLimit-Limit"] == "10"
    assert response["X-RateLimit-Remaining"] == "0"
    assert int(response["X-RateLimit-Reset"]) > 0
    assert 1 <= int(response["Retry-After"]) <= 60


def test_the_auth_budget_is_per_ip_and_shared_by_the_auth_endpoints(th):
    for _ in range(10):
        th.post("auth/forgot-password", {"email": "ghost@example.mw"})
    assert th.post("auth/register", REGISTER).status_code == 429
    other_ip = th.post("auth/register", REGISTER, REMOTE_ADDR="10.0.0.9")
    assert other_ip.status_code == 200


def test_the_auth_endpoints_ignore_a_stale_token(api, user):
    api.credentials(HTTP_AUTHORIZATION="Bearer expired.or.garbage")
    response = api.post(f"{TECHAVEN}/auth/forgot-password", {"email": user.email}, format="json")
    assert response.status_code == 200
