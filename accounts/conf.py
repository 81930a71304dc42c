"""Account settings that are not in `config/settings.py`; each can be overridden there."""

from datetime import timedelta

from django.conf import settings


def otp_resend_window() -> timedelta:
    # a login OTP may be re-sent only this long after the password was checked
    return getattr(settings, "OTP_RESEND_WINDOW", timedelta(hours=1))


def otp_prune_after() -> timedelta:
    # expired OTPs and reset tokens are kept this long (support can see what happened)
    return getattr(settings, "OTP_PRUNE_AFTER", timedelta(days=1))


def password_min_length() -> int:
    return getattr(settings, "TECHAVEN_PASSWORD_MIN_LENGTH", 6)
