"""Escrow settings, read when used (a Django setting, else the environment, else the default)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from core.conf import setting_int, setting_str

MAX_WRONG_CODES = 5  # BRIEF decision 6
RELEASE_CODE_MIN, RELEASE_CODE_MAX = 4, 64
# bcrypt cost: the document's example hash is `$2a$10$…`
BCRYPT_ROUNDS = 10


def fee_percent() -> Decimal:
    """The platform's fee on a release, in percent of the escrowed amount."""
    return Decimal(setting_str("ESCROW_FEE_PERCENT", "1"))


def auto_release_after() -> timedelta:
    """A confirmed escrow with no dispute is released to the seller this long after the
    seller confirmed (`ESCROW_AUTO_RELEASE_DAYS`)."""
    return timedelta(days=setting_int("ESCROW_AUTO_RELEASE_DAYS", 14))
