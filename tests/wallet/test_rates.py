"""The BTC→EUR rate: where it comes from, how it is cached, what happens when the source
fails, and exact conversion of satoshis to euro cents."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal, localcontext

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from tests.helpers.fake_http import FakeServer, fake_server
from wallet.rates import (
    KrakenRate,
    RateSourceError,
    RateUnavailable,
    SandboxRate,
    btc_eur_rate,
    get_rate_source,
    sat_to_eur_cents,
)
from wallet.tasks import btc_rate_refresh

TICKER_PATH = "/0/public/Ticker?pair=XBTEUR"


def ticker(last_price: str) -> bytes:
    """Kraken's answer, as its REST docs show it (prices are strings)."""
    return json.dumps(
        {
            "error": [],
            "result": {
                "XXBTZEUR": {
                    "a": ["37013.10000", "1", "1.000"],
                    "b": ["37013.00000", "2", "2.000"],
                    "c": [last_price, "0.00067643"],
                    "v": ["4083.67001100", "4412.73601799"],
                    "p": ["36706.77771", "36689.13205"],
                    "t": [34619, 38907],
                    "l": ["35868.30000", "35868.30000"],
                    "h": ["37631.00000", "37631.00000"],
                    "o": "36502.80000",
                }
            },
        }
    ).encode()


class FakeKraken:
    def __init__(self) -> None:
        self.answer: tuple[int, bytes] = (200, ticker("37012.34560"))

    def route(self, path: str) -> tuple[int, bytes, str]:
        if path != TICKER_PATH:
            return 404, b'{"error": ["EGeneral:Unknown method"]}', "application/json"
        return (*self.answer, "application/json")


@pytest.fixture
def kraken(settings) -> Iterator[tuple[FakeKraken, FakeServer]]:
    """Kraken as the configured source, served by a local fake."""
    fake = FakeKraken()
    with fake_server(fake.route) as server:
        settings.BTC_RATE_SOURCE = "kraken"
        settings.BTC_KRAKEN_URL = server.url
        yield fake, server


# --- the sources -----------------------------------------------------------------------------


def test_the_sandbox_rate_is_fixed_by_the_settings(settings):
    assert get_rate_source().key == "sandbox"
    assert btc_eur_rate() == Decimal("37000.00")

    settings.BTC_EUR_SANDBOX_RATE = "41234.56"
    assert SandboxRate().btc_eur() == Decimal("41234.56")


@pytest.mark.parametrize("configured", ["abc", "0", "-5", "NaN"])
def test_a_sandbox_rate_that_is_not_a_positive_number_is_refused(settings, configured):
    settings.BTC_EUR_SANDBOX_RATE = configured
    with pytest.raises(RateSourceError):
        SandboxRate().btc_eur()


def test_an_unknown_source_is_a_configuration_error(settings):
    settings.BTC_RATE_SOURCE = "coinbase"
    with pytest.raises(ImproperlyConfigured):
        btc_eur_rate()


def test_kraken_last_trade_price_is_the_rate_exactly(kraken):
    _, server = kraken
    rate = get_rate_source().btc_eur()
    assert isinstance(rate, Decimal)
    assert rate == Decimal("37012.34560")
    assert server.paths == [TICKER_PATH]


def test_kraken_json_numbers_are_read_as_decimals_too(kraken):
    fake, _ = kraken
    fake.answer = (200, ticker("x").replace(b'"x"', b"37012.1"))
    rate = KrakenRate().btc_eur()
    assert rate == Decimal("37012.1")  # exactly: float(37012.1) is 37012.09999999999854…


@pytest.mark.parametrize(
    "answer",
    [
        (500, b"Internal Server Error"),
        (200, b"<html>Cloudflare</html>"),
        (200, b'{"error": ["EQuery:Unknown asset pair"]}'),
        (200, b'{"error": [], "result": {}}'),
        (200, b'{"error": [], "result": {"XXBTZEUR": {"a": ["1"]}}}'),
        (200, b'{"error": [], "result": {"XXBTZEUR": {"c": []}}}'),
        (200, b'{"error": [], "result": {"XXBTZEUR": {"c": ["0.00000", "1"]}}}'),
        (200, b"[]"),
    ],
)
def test_a_kraken_answer_that_is_not_a_rate_is_a_source_error(kraken, answer):
    fake, _ = kraken
    fake.answer = answer
    with pytest.raises(RateSourceError):
        KrakenRate().btc_eur()


# --- the cached rate -----------------------------------------------------------------------------


def test_a_cached_rate_is_served_without_asking_the_source(kraken):
    fake, server = kraken
    assert btc_eur_rate() == Decimal("37012.34560")  # a miss: asked once, synchronously
    fake.answer = (200, ticker("99999.00000"))
    assert btc_eur_rate() == Decimal("37012.34560")
    assert btc_eur_rate() == Decimal("37012.34560")
    assert len(server.paths) == 1


def test_the_beat_task_refreshes_the_cached_rate(kraken):
    fake, server = kraken
    assert btc_eur_rate() == Decimal("37012.34560")
    fake.answer = (200, ticker("38000.10000"))

    assert btc_rate_refresh() == "38000.10000"

    assert btc_eur_rate() == Decimal("38000.10000")
    assert len(server.paths) == 2


def test_the_rate_refresh_is_scheduled_by_beat():
    entry = django_settings.CELERY_BEAT_SCHEDULE["wallet-btc-rate-refresh"]
    assert entry == {"task": "wallet.tasks.btc_rate_refresh", "schedule": 60}


def test_when_the_source_fails_the_last_known_rate_is_used_and_logged(kraken, caplog):
    fake, server = kraken
    btc_eur_rate()
    cache.delete("wallet:btc-eur:kraken:current")  # the fresh copy expired
    fake.answer = (503, b"Service Unavailable")

    assert btc_eur_rate() == Decimal("37012.34560")
    assert "using the last known rate 37012.34560" in caplog.text
    # served for an interval before the source is asked again, not at every call
    assert btc_eur_rate() == Decimal("37012.34560")
    assert len(server.paths) == 2

    fake.answer = (200, ticker("36000.00000"))
    assert btc_rate_refresh() == "36000.00000"
    assert btc_eur_rate() == Decimal("36000.00000")


def test_with_no_rate_known_the_rate_is_unavailable(kraken):
    fake, _ = kraken
    fake.answer = (502, b"Bad Gateway")
    with pytest.raises(RateUnavailable, match="kraken"):
        btc_eur_rate()


def test_the_beat_task_logs_a_failed_refresh_instead_of_raising(kraken, caplog):
    fake, _ = kraken
    fake.answer = (502, b"Bad Gateway")
    assert btc_rate_refresh() is None
    assert "BTC→EUR rate not refreshed" in caplog.text


def test_each_source_has_its_own_cached_rate(kraken, settings):
    assert btc_eur_rate() == Decimal("37012.34560")
    settings.BTC_RATE_SOURCE = "sandbox"
    assert btc_eur_rate() == Decimal("37000.00")


# --- satoshis to euro cents ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sat", "rate", "cents"),
    [
        (100_000_000, "37000.00", 3_700_000),
        # 0.12345678 BTC × 37,000 = 4,567.90086 EUR
        (12_345_678, "37000.00", 456_790),
        (1, "37000.00", 0),  # 0.037 cents
        (14, "37000.00", 1),  # 0.518 cents
        # exactly half a cent rounds up (away from zero); ROUND_HALF_EVEN would give 0 and 2
        (50, "10000", 1),
        (49, "10000", 0),
        (250, "10000", 3),
        (-250, "10000", -3),
        (0, "37000.00", 0),
        # all the bitcoin there will be at a rate with many decimals: still exact
        (2_100_000_000_000_000, "37012.123456789", 77_725_459_259_257),
    ],
)
def test_sat_to_eur_cents_is_exact_and_rounds_half_up(sat, rate, cents):
    assert sat_to_eur_cents(sat, Decimal(rate)) == cents


def test_sat_to_eur_cents_agrees_with_high_precision_decimal_arithmetic():
    rate = Decimal("43210.987654321")
    with localcontext() as ctx:
        ctx.prec = 100
        for sat in (1, 3, 7_777, 123_456_789, 2_099_999_997_690_000):
            expected = (Decimal(sat) * rate / Decimal(10**6)).quantize(Decimal(1), "ROUND_HALF_UP")
            assert sat_to_eur_cents(sat, rate) == int(expected)


@pytest.mark.parametrize("rate", [Decimal(0), Decimal(-1), Decimal("NaN"), 37000.0, "37000"])
def test_sat_to_eur_cents_needs_a_positive_decimal_rate(rate):
    with pytest.raises(ValueError):
        sat_to_eur_cents(1, rate)
