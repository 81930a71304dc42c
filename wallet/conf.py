"""Payment settings, read when used (so tests can override them).

Each is `getattr(settings, NAME, default)`, else the environment variable of the same name,
else the default. The reconcile beat interval is read in `wallet/schedule.py`. No secret has a
default: the PayChangu keys come from the environment.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.conf import setting_int as _int
from core.conf import setting_str as _str


def reconcile_grace() -> timedelta:
    """How long a payment or refund may wait for its callback before reconcile asks the
    provider's status API about it."""
    return timedelta(minutes=_int("PAYMENTS_RECONCILE_GRACE_MINUTES", 5))


def reconcile_max_age() -> timedelta:
    """Payments older than this are no longer asked about (a buyer who never answered);
    refunds are asked about until they settle, however old."""
    return timedelta(hours=_int("PAYMENTS_RECONCILE_MAX_AGE_HOURS", 7 * 24))


def reconcile_batch_size() -> int:
    """How many attempts one reconcile run asks about (the least recently asked first)."""
    return _int("PAYMENTS_RECONCILE_BATCH_SIZE", 100)


# --- PayChangu (wallet/paychangu.py), read when the adapter is used ------------------------


def paychangu_secret_key() -> str:
    """The PayChangu account's secret API key (`sec-live-…` / `sec-test-…`): required once a
    provider key is served by the PayChangu adapter."""
    key = _str("PAYCHANGU_SECRET_KEY", "")
    if not key:
        raise ImproperlyConfigured(
            "PAYCHANGU_SECRET_KEY is not set: PAYMENT_PROVIDERS names the PayChangu adapter, "
            "which needs the account's secret API key (PayChangu dashboard, Settings → "
            "API & Webhooks)"
        )
    return key


def paychangu_webhook_secret() -> str:
    """The webhook secret from the same dashboard page; without it every webhook is refused."""
    return _str("PAYCHANGU_WEBHOOK_SECRET", "")


def paychangu_base_url() -> str:
    return _str("PAYCHANGU_BASE_URL", "https://api.paychangu.com").rstrip("/")


def paychangu_return_url() -> str:
    """Where PayChangu's checkout sends the buyer's browser back (its `callback_url` after a
    payment, `return_url` after a cancel); by default Duka's public address."""
    return _str("PAYCHANGU_RETURN_URL", "") or f"{settings.PUBLIC_BASE_URL}/"


def paychangu_timeouts() -> tuple[float, float]:
    """(connect, read) seconds for each call to PayChangu's API."""
    return (
        float(_str("PAYCHANGU_CONNECT_TIMEOUT", "5")),
        float(_str("PAYCHANGU_READ_TIMEOUT", "15")),
    )
