"""Payment settings, read when used (so tests can override them).

Each is `getattr(settings, NAME, default)`, else the environment variable of the same name,
else the default. The reconcile beat interval is read in `wallet/schedule.py`.
"""

from __future__ import annotations

from datetime import timedelta

from core.conf import setting_int as _int


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


def topup_min_minor() -> int:
    """The smallest top-up in whole kwacha (`WALLET_TOPUP_MIN`)."""
    return _int("WALLET_TOPUP_MIN", 100)


def topup_max_minor() -> int:
    """The largest top-up in whole kwacha (`WALLET_TOPUP_MAX`): a mobile-money
    transaction's usual ceiling."""
    return _int("WALLET_TOPUP_MAX", 2_000_000)


def topup_ttl() -> timedelta:
    """How long a top-up waits for the buyer to approve it before it expires, never to be
    credited (`WALLET_TOPUP_TTL_MINUTES`)."""
    return timedelta(minutes=_int("WALLET_TOPUP_TTL_MINUTES", 30))
