"""The BTC→EUR rate: EUR per 1 BTC, always a Decimal, never a float.

`BTC_RATE_SOURCE` chooses where it comes from: `sandbox` (the default: a fixed rate,
`BTC_EUR_SANDBOX_RATE`) or `kraken` (Kraken's public ticker, no key needed). Readers call
`btc_eur_rate()`, which answers from the cache; beat refreshes it every
`BTC_RATE_REFRESH_SECONDS` (`wallet.tasks.btc_rate_refresh`) and a miss asks the source once,
synchronously. Each fetched rate is also kept as the "last known" rate for a day: when the
source fails, that is used (and logged) rather than stopping sales; with neither, the rate
is unavailable.
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

import httpx
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from core.cache import quiet_get, quiet_set

from .conf import (
    btc_eur_sandbox_rate,
    btc_http_timeout_seconds,
    btc_kraken_url,
    btc_rate_refresh_seconds,
    btc_rate_source_key,
)

logger = logging.getLogger(__name__)

# a rate older than this is no rate: BTC moves too much in a day to price with it
LAST_KNOWN_SECONDS = 24 * 60 * 60


class RateUnavailable(Exception):
    """No rate can be given: the source failed and no rate from the last day is known."""


class RateSourceError(Exception):
    """The source could not be asked, or its answer was not a rate."""


class RateSource(Protocol):
    key: str

    def btc_eur(self) -> Decimal:
        """EUR per 1 BTC, now. Raises RateSourceError."""


class SandboxRate:
    """A fixed rate from the settings, so the sandbox prices the same every time."""

    key = "sandbox"

    def btc_eur(self) -> Decimal:
        return _positive_rate(btc_eur_sandbox_rate(), "BTC_EUR_SANDBOX_RATE")


class KrakenRate:
    """Kraken's public ticker (docs.kraken.com, REST "Get Ticker Information"):
    `GET /0/public/Ticker?pair=XBTEUR` → `{"error": [], "result": {"XXBTZEUR": {"c":
    ["<last trade price>", "<lot volume>"], ...}}}`. The last trade's price is the rate."""

    key = "kraken"
    pair = "XBTEUR"

    def __init__(self, base_url: str | None = None, *, timeout: float | None = None) -> None:
        self.base_url = (base_url or btc_kraken_url()).rstrip("/")
        self.timeout = float(timeout if timeout is not None else btc_http_timeout_seconds())

    def btc_eur(self) -> Decimal:
        url = f"{self.base_url}/0/public/Ticker"
        try:
            response = httpx.get(url, params={"pair": self.pair}, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise RateSourceError(f"Kraken: {exc.__class__.__name__}: {exc}") from exc
        if not response.is_success:
            raise RateSourceError(f"Kraken answered {response.status_code}")
        try:
            data = json.loads(response.content, parse_float=Decimal)
        except ValueError as exc:
            raise RateSourceError("Kraken: not JSON") from exc
        return _positive_rate(_last_trade_price(data), "Kraken's last trade price")


def _last_trade_price(data: Any) -> Any:
    if not isinstance(data, dict):
        raise RateSourceError("Kraken: not a ticker")
    if data.get("error"):
        raise RateSourceError(f"Kraken: {data['error']}")
    result = data.get("result")
    # the pair asked for comes back under Kraken's own name (XXBTZEUR): the only entry
    if not isinstance(result, dict) or len(result) != 1:
        raise RateSourceError("Kraken: expected one ticker in result")
    (ticker,) = result.values()
    closed = ticker.get("c") if isinstance(ticker, dict) else None
    if not isinstance(closed, list) or not closed:
        raise RateSourceError("Kraken: no last trade (c)")
    return closed[0]


def _positive_rate(value: Any, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise RateSourceError(f"{what} is not a number: {value!r}")
    try:
        rate = Decimal(value)
    except InvalidOperation:
        raise RateSourceError(f"{what} is not a number: {value!r}") from None
    if not rate.is_finite() or rate <= 0:
        raise RateSourceError(f"{what} is not a positive number: {value!r}")
    return rate


SOURCES: dict[str, type] = {"sandbox": SandboxRate, "kraken": KrakenRate}


def get_rate_source() -> RateSource:
    key = btc_rate_source_key()
    if key not in SOURCES:
        raise ImproperlyConfigured(f"BTC_RATE_SOURCE is {key!r}; expected one of {sorted(SOURCES)}")
    return SOURCES[key]()


def _current_key() -> str:
    return f"wallet:btc-eur:{btc_rate_source_key()}:current"


def _last_known_key() -> str:
    return f"wallet:btc-eur:{btc_rate_source_key()}:last-known"


def btc_eur_rate() -> Decimal:
    """EUR per 1 BTC: the cached rate, else asked of the source now (see the module's rules).
    Raises RateUnavailable."""
    cached = quiet_get(_current_key())
    if cached is not None:
        return Decimal(cached)
    return btc_eur_rate_refresh()


def btc_eur_rate_refresh() -> Decimal:
    """Ask the source and cache its answer: served for 3 refresh intervals (a missed beat or
    two does not send readers to the source) and kept a day as the last known rate. When the
    source fails: the last known rate, logged, served for one interval before asking again.
    Raises RateUnavailable when there is none."""
    source = get_rate_source()
    try:
        rate = source.btc_eur()
    except RateSourceError as exc:
        return _last_known_rate(source, exc)
    interval = btc_rate_refresh_seconds()
    quiet_set(_current_key(), str(rate), 3 * interval)
    quiet_set(
        _last_known_key(),
        {"rate": str(rate), "at": timezone.now().isoformat()},
        LAST_KNOWN_SECONDS,
    )
    return rate


def _last_known_rate(source: RateSource, error: RateSourceError) -> Decimal:
    known = quiet_get(_last_known_key())
    if known is None:
        raise RateUnavailable(f"no BTC→EUR rate: {source.key} failed ({error})") from error
    rate = Decimal(known["rate"])
    logger.warning(
        "BTC→EUR rate source %s failed (%s); using the last known rate %s of %s",
        source.key,
        error,
        rate,
        known["at"],
    )
    quiet_set(_current_key(), str(rate), btc_rate_refresh_seconds())
    return rate


def sat_to_eur_cents(amount_sat: int, rate: Decimal) -> int:
    """`amount_sat` satoshis in euro cents at `rate` EUR per BTC, exactly, rounded half up
    (away from zero) to the cent: cents = sat × rate / 10⁶, in integers."""
    if isinstance(amount_sat, bool) or not isinstance(amount_sat, int):
        raise TypeError("amount_sat must be an int")
    if not isinstance(rate, Decimal) or not rate.is_finite() or rate <= 0:
        raise ValueError("rate must be a positive Decimal")
    numerator, denominator = rate.as_integer_ratio()
    total = denominator * 10**6
    cents, rest = divmod(abs(amount_sat) * numerator, total)
    if 2 * rest >= total:
        cents += 1
    return cents if amount_sat >= 0 else -cents
