"""Beat job, demo data, and the races the account rules must survive (PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts import demo
from accounts.models import Address, EmailOTP, LoginSession, PasswordResetToken, PaymentMethod, User
from accounts.services import techaven_auth
from accounts.services.sessions import techaven_session_start
from accounts.tasks import otp_prune, otp_send
from accounts.tokens import otp_hash, token_hash
from tests.factories.accounts import TechavenUserFactory

postgres_only = pytest.mark.skipif(
    not settings.USES_POSTGRES, reason="row locks and real concurrency need PostgreSQL"
)


def _run_together(count: int, work) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db
def test_the_beat_schedule_prunes_otps():
    job = settings.CELERY_BEAT_SCHEDULE["prune-expired-otps"]
    assert job["task"] == "accounts.tasks.otp_prune"


@pytest.mark.django_db
def test_otp_prune_forgets_long_expired_codes_and_reset_tokens_only():
    user = TechavenUserFactory()
    now = timezone.now()
    old = EmailOTP.objects.create(
        user=user, purpose="login", code_hash="x", expires_at=now - timedelta(days=2)
    )
    recent = EmailOTP.objects.create(
        user=user, purpose="login", code_hash="y", expires_at=now - timedelta(minutes=5)
    )
    PasswordResetToken.objects.create(user=user, token_hash="a", expires_at=now - timedelta(days=2))
    live = PasswordResetToken.objects.create(
        user=user, token_hash="b", expires_at=now + timedelta(minutes=5)
    )
    assert otp_prune.delay().get() == 2
    assert not EmailOTP.objects.filter(pk=old.pk).exists()
    assert EmailOTP.objects.filter(pk=recent.pk).exists()
    assert list(PasswordResetToken.objects.values_list("pk", flat=True)) == [live.pk]


@pytest.mark.django_db
def test_a_redelivered_otp_task_does_not_send_a_second_code(mailoutbox):
    user = TechavenUserFactory()
    otp = EmailOTP.objects.create(
        user=user, purpose="login", code_hash="", expires_at=timezone.now() + timedelta(minutes=9)
    )
    assert otp_send.delay(otp.pk).get() is True
    assert otp_send.delay(otp.pk).get() is False
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_seed_demo_adds_a_default_address_and_airtel_money_once():
    demo.seed()
    demo.seed()
    user = User.objects.get(storefront="techaven", email=demo.DEMO_TECHAVEN[0])
    assert Address.objects.filter(user=user).count() == 1
    assert Address.objects.get(user=user).is_default is True
    method = PaymentMethod.objects.get(user=user)
    assert (method.provider, method.phone_number, method.is_default) == (
        "Airtel Money",
        "+265991234567",
        True,
    )


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_guesses_never_get_more_than_five_tries():
    user = TechavenUserFactory()
    otp = EmailOTP.objects.create(
        user=user,
        purpose="login",
        code_hash=otp_hash(user.pk, "login", "999999"),
        expires_at=timezone.now() + timedelta(minutes=10),
    )

    def guess(i: int):
        return techaven_auth.techaven_otp_verify(email=user.email, code=f"{i:06d}", purpose="login")

    results = _run_together(12, guess)
    codes = sorted(getattr(r, "code", "?") for r in results)
    assert codes.count("OTP_INVALID") == 4
    assert codes.count("OTP_TOO_MANY_ATTEMPTS") == 8
    otp.refresh_from_db()
    assert otp.attempts == 5


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_right_code_used_concurrently_opens_exactly_one_session():
    user = TechavenUserFactory()
    EmailOTP.objects.create(
        user=user,
        purpose="login",
        code_hash=otp_hash(user.pk, "login", "424242"),
        expires_at=timezone.now() + timedelta(minutes=10),
    )
    results = _run_together(
        6,
        lambda i: techaven_auth.techaven_otp_verify(
            email=user.email, code="424242", purpose="login"
        ),
    )
    signed_in = [r for r in results if isinstance(r, techaven_auth.SignedIn)]
    assert len(signed_in) == 1
    assert LoginSession.objects.filter(user=user).count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_refresh_token_used_concurrently_rotates_exactly_once():
    user = TechavenUserFactory()
    pair = techaven_session_start(user=user)
    results = _run_together(
        5, lambda i: techaven_auth.techaven_token_refresh(refresh_token=pair.refresh_token)
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(getattr(r, "code", None) == "REFRESH_TOKEN_INVALID" for r in losers)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_resends_send_one_code():
    user = TechavenUserFactory(email_verified_at=None)
    results = _run_together(
        5, lambda i: techaven_auth.techaven_otp_resend(email=user.email, purpose="signup")
    )
    assert sum(r is None for r in results) == 1
    assert EmailOTP.objects.filter(user=user, purpose="signup").count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_login_code_used_while_the_password_is_reset_leaves_no_live_session():
    """Issue 12, finding 10, raced: whichever commits first, nobody stays signed in."""
    for round_ in range(5):
        user = TechavenUserFactory()
        reset_token = f"rst_race{round_}"
        now = timezone.now()
        EmailOTP.objects.create(
            user=user,
            purpose="login",
            code_hash=otp_hash(user.pk, "login", "515151"),
            expires_at=now + timedelta(minutes=10),
        )
        PasswordResetToken.objects.create(
            user=user,
            token_hash=token_hash(reset_token),
            expires_at=now + timedelta(minutes=15),
        )

        def work(i: int, user=user, reset_token=reset_token):
            if i == 0:
                return techaven_auth.techaven_password_reset(
                    email=user.email, reset_token=reset_token, new_password="newSecure456"
                )
            return techaven_auth.techaven_otp_verify(
                email=user.email, code="515151", purpose="login"
            )

        results = _run_together(2, work)
        assert results[0] is None, results
        assert not LoginSession.objects.filter(user=user, revoked_at__isnull=True).exists()
