"""Order settings, each overridable in Django settings (read here, never edited there)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings

from core.conf import setting_int


def shipping_flat_fee_minor(storefront: str) -> int:
    """Flat shipping per order in minor units (Techaven 5,000 MWK; CryptoShop none)."""
    fees = getattr(settings, "ORDERS_SHIPPING_FLAT_FEE_MINOR", {"techaven": 5000, "cryptoshop": 0})
    return int(fees.get(storefront, 0))


def free_shipping_threshold_minor(storefront: str) -> int | None:
    """Subtotal (after discount) from which shipping is free; None = never free (default)."""
    thresholds = getattr(settings, "ORDERS_FREE_SHIPPING_THRESHOLD_MINOR", {})
    value = thresholds.get(storefront)
    return None if value is None else int(value)


def tax_rate_percent(storefront: str) -> Decimal:
    rates = getattr(settings, "ORDERS_TAX_RATE_PERCENT", {})
    return Decimal(str(rates.get(storefront, 0)))


def unpaid_ttl(storefront: str) -> timedelta:
    """How long an unpaid order holds its stock before it expires: what a payment really
    needs (a mobile-money approval; a BTC deposit and its two confirmations, then the escrow),
    not a day of held stock (security finding 5). `ORDERS_UNPAID_TTL_MINUTES` (a setting
    `{storefront: minutes}`, or the environment's `ORDERS_UNPAID_TTL_MINUTES_TECHAVEN` /
    `_CRYPTOSHOP`)."""
    minutes = getattr(settings, "ORDERS_UNPAID_TTL_MINUTES", {})
    default = setting_int(f"ORDERS_UNPAID_TTL_MINUTES_{storefront.upper()}", 60)
    return timedelta(minutes=int(minutes.get(storefront, default)))


def max_unpaid_orders() -> int:
    """How many orders awaiting payment one account may hold at once, per storefront."""
    return setting_int("ORDERS_MAX_UNPAID_PER_ACCOUNT", 5)


def max_unpaid_units() -> int:
    """How many units one account may hold in orders awaiting payment, per storefront."""
    return setting_int("ORDERS_MAX_UNPAID_UNITS_PER_ACCOUNT", 20)


def number_prefix(storefront: str) -> str:
    prefixes = getattr(settings, "ORDERS_NUMBER_PREFIX", {"techaven": "TH", "cryptoshop": "CS"})
    return prefixes.get(storefront, "OR")


def expiry_batch_size() -> int:
    return int(getattr(settings, "ORDERS_EXPIRY_BATCH_SIZE", 200))
