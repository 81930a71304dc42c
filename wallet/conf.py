"""Payment settings, read when used (so tests can override them).

Each is `getattr(settings, NAME, default)`, else the environment variable of the same name,
else the default. The reconcile beat interval is read in `wallet/schedule.py`. No secret has a
default: the PayChangu keys come from the environment.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.conf import setting_bool as _bool
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


# --- the BTC chain and the BTC→EUR rate (wallet/chain.py, wallet/rates.py) ---------------
# The beat intervals of the rate refresh (and of the ledger's deposit scan) are read from
# the environment in `wallet/schedule.py`, when the settings load; these readers serve code
# that runs later. (Its imports sit here, with the section, so it merges as one piece.)


def payments_sandbox_enabled() -> bool:
    """Sandbox pages that move pretend money exist in development, or where this says so."""
    return _bool("PAYMENTS_SANDBOX", settings.DEBUG)


def btc_backend_key() -> str:
    """`sandbox` (a simulated chain inside Duka) or `esplora` (an Esplora HTTP server)."""
    return _str("BTC_BACKEND", "sandbox").strip().lower()


def btc_poll_seconds() -> int:
    """How often the chain is asked for deposits to the CryptoShop wallet's addresses."""
    return _int("BTC_POLL_SECONDS", 30)


def btc_esplora_url() -> str:
    """The Esplora API root, e.g. https://mempool.space/api or …/testnet/api."""
    return _str("BTC_ESPLORA_URL", "https://mempool.space/api").rstrip("/")


def btc_esplora_max_pages() -> int:
    """How many pages of an address's history are read, newest first: the first page (the
    mempool and 25 confirmed transactions), then 25 confirmed transactions a page."""
    return _int("BTC_ESPLORA_MAX_PAGES", 20)


def btc_http_timeout_seconds() -> int:
    """How long a call to the Esplora server or the rate source may take."""
    return _int("BTC_HTTP_TIMEOUT_SECONDS", 10)


def btc_rate_source_key() -> str:
    """`sandbox` (a fixed rate) or `kraken` (Kraken's public ticker)."""
    return _str("BTC_RATE_SOURCE", "sandbox").strip().lower()


def btc_eur_sandbox_rate() -> str:
    """The sandbox's EUR per 1 BTC, as a decimal string."""
    return _str("BTC_EUR_SANDBOX_RATE", "37000.00")


def btc_kraken_url() -> str:
    return _str("BTC_KRAKEN_URL", "https://api.kraken.com").rstrip("/")


def btc_rate_refresh_seconds() -> int:
    """How often beat asks the rate source (a fetched rate is served for 3× this long)."""
    return _int("BTC_RATE_REFRESH_SECONDS", 60)


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


def btc_confirmations() -> int:
    """Confirmations a deposit needs before it is credited (`BTC_CONFIRMATIONS`)."""
    return _int("BTC_CONFIRMATIONS", 2)


def btc_withdrawal_min_sat() -> int:
    """The smallest withdrawal in satoshis (`BTC_WITHDRAWAL_MIN_SAT`): below it the network
    fee would eat it."""
    return _int("BTC_WITHDRAWAL_MIN_SAT", 10_000)
