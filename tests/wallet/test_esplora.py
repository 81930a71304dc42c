"""The Esplora backend against a local fake Esplora server that pages as electrs does: the
first page holds the mempool (up to 50) and the newest 25 confirmed transactions, each
`/txs/chain/<last seen txid>` page the next 25 confirmed."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import time
from collections.abc import Iterator

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.helpers.fake_http import FakeServer, closed_port_url, fake_server
from wallet.chain import ChainOutput, ChainUnavailable, confirmations, get_btc_backend
from wallet.esplora import EsploraBackend

OURS = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
ALSO_OURS = "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"
THEIRS = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
TIP = 840_000
_serial = itertools.count(1)


def tx(*outputs: tuple[str | None, int], height: int | None = None) -> dict:
    """An Esplora transaction paying `outputs` ((address or None for OP_RETURN, sat), ...)."""
    status = (
        {"confirmed": True, "block_height": height, "block_hash": "00" * 32, "block_time": 1}
        if height is not None
        else {"confirmed": False}
    )
    return {
        "txid": hashlib.sha256(str(next(_serial)).encode()).hexdigest(),
        "version": 2,
        "locktime": 0,
        "vin": [],
        "vout": [
            {"scriptpubkey": "00", "scriptpubkey_type": "v0_p2wpkh", "value": value}
            | ({"scriptpubkey_address": address} if address else {})
            for address, value in outputs
        ],
        "size": 200,
        "weight": 800,
        "fee": 1000,
        "status": status,
    }


class FakeEsplora:
    """Each address's history, newest first; answers the Esplora paths we use."""

    def __init__(self) -> None:
        self.tip: bytes = str(TIP).encode()
        self.history: dict[str, list[dict]] = {}
        self.broken: tuple[int, bytes] | None = None  # answer every request with this

    def route(self, path: str) -> tuple[int, bytes, str]:
        if self.broken:
            return (*self.broken, "application/json")
        if path == "/blocks/tip/height":
            return 200, self.tip, "text/plain"
        match = re.fullmatch(r"/address/(\w+)/txs(?:/chain/(\w+))?", path)
        if not match:
            return 404, b"not found", "text/plain"
        address, last_seen = match.groups()
        txs = self.history.get(address, [])
        chain = [t for t in txs if t["status"]["confirmed"]]
        if last_seen is None:
            page = [t for t in txs if not t["status"]["confirmed"]][:50] + chain[:25]
        else:
            after = [t["txid"] for t in chain].index(last_seen) + 1
            page = chain[after : after + 25]
        return 200, json.dumps(page).encode(), "application/json"


@pytest.fixture
def esplora() -> Iterator[tuple[FakeEsplora, FakeServer]]:
    fake = FakeEsplora()
    with fake_server(fake.route) as server:
        yield fake, server


def backend(server: FakeServer, **kwargs) -> EsploraBackend:
    return EsploraBackend(server.url, timeout=5, **kwargs)


def test_tip_height_is_read_as_a_number(esplora):
    _, server = esplora
    assert backend(server).tip_height() == TIP
    assert server.paths == ["/blocks/tip/height"]


def test_the_backend_is_chosen_and_pointed_by_the_settings(esplora, settings):
    _, server = esplora
    settings.BTC_BACKEND = "esplora"
    settings.BTC_ESPLORA_URL = server.url + "/"
    chain = get_btc_backend()
    assert isinstance(chain, EsploraBackend)
    assert chain.tip_height() == TIP

    settings.BTC_BACKEND = "electrum"
    with pytest.raises(ImproperlyConfigured):
        get_btc_backend()


def test_outputs_in_the_mempool_and_confirmed_are_both_reported(esplora):
    fake, server = esplora
    waiting = tx((OURS, 5_000))
    mined = tx((OURS, 7_000), height=TIP - 2)
    fake.history[OURS] = [waiting, mined]

    chain = backend(server)
    outputs = chain.outputs_to([OURS])

    assert outputs == [
        ChainOutput(waiting["txid"], 0, OURS, 5_000, None),
        ChainOutput(mined["txid"], 0, OURS, 7_000, TIP - 2),
    ]
    assert [confirmations(o, chain.tip_height()) for o in outputs] == [0, 3]


def test_each_output_to_our_addresses_is_its_own_vout_and_others_are_ignored(esplora):
    fake, server = esplora
    # change back to the payer, two outputs to us, an OP_RETURN, one more to us
    many = tx((THEIRS, 1), (OURS, 2_000), (OURS, 3_000), (None, 0), (OURS, 4_000), height=TIP)
    # we were only an input of this one: nothing is paid to us
    spend = tx((THEIRS, 9_000), height=TIP)
    fake.history[OURS] = [spend, many]

    outputs = backend(server).outputs_to([OURS])

    assert [(o.txid, o.vout, o.amount_sat) for o in outputs] == [
        (many["txid"], 1, 2_000),
        (many["txid"], 2, 3_000),
        (many["txid"], 4, 4_000),
    ]


def test_a_transaction_paying_two_of_our_addresses_is_reported_once_per_output(esplora):
    fake, server = esplora
    both = tx((OURS, 1_000), (ALSO_OURS, 2_000), height=TIP)
    fake.history[OURS] = [both]
    fake.history[ALSO_OURS] = [both]

    outputs = backend(server).outputs_to([OURS, ALSO_OURS, OURS])

    assert sorted((o.vout, o.address) for o in outputs) == [(0, OURS), (1, ALSO_OURS)]
    assert backend(server).outputs_to([]) == []


def test_an_address_with_no_history_has_no_outputs(esplora):
    _, server = esplora
    assert backend(server).outputs_to([OURS]) == []
    assert server.paths == [f"/address/{OURS}/txs"]


def test_confirmed_history_is_followed_page_by_page_until_a_short_page(esplora):
    fake, server = esplora
    mempool = [tx((OURS, 1)) for _ in range(2)]
    chain = [tx((OURS, 100 + n), height=TIP - n) for n in range(60)]
    fake.history[OURS] = mempool + chain

    outputs = backend(server).outputs_to([OURS])

    assert len(outputs) == 62
    assert {o.txid for o in outputs} == {t["txid"] for t in mempool + chain}
    assert server.paths == [
        f"/address/{OURS}/txs",
        f"/address/{OURS}/txs/chain/{chain[24]['txid']}",
        f"/address/{OURS}/txs/chain/{chain[49]['txid']}",
    ]


def test_a_full_last_page_costs_one_empty_page_more(esplora):
    fake, server = esplora
    fake.history[OURS] = [tx((OURS, 1), height=TIP - n) for n in range(25)]

    assert len(backend(server).outputs_to([OURS])) == 25
    assert len(server.paths) == 2


def test_paging_stops_at_the_configured_number_of_pages_with_a_warning(esplora, caplog):
    fake, server = esplora
    fake.history[OURS] = [tx((OURS, 1), height=TIP - n) for n in range(80)]

    outputs = backend(server, max_pages=2).outputs_to([OURS])

    assert len(outputs) == 50  # the newest: the oldest were seen by earlier scans
    assert len(server.paths) == 2
    assert "BTC_ESPLORA_MAX_PAGES" in caplog.text


def test_the_page_cap_comes_from_the_settings(esplora, settings):
    fake, server = esplora
    settings.BTC_ESPLORA_MAX_PAGES = 1
    fake.history[OURS] = [tx((OURS, 1), height=TIP - n) for n in range(30)]
    assert len(EsploraBackend(server.url).outputs_to([OURS])) == 25


def test_a_transaction_mined_between_two_pages_is_reported_confirmed_once():
    waiting = tx((OURS, 5_000))
    older = [tx((OURS, 1), height=TIP - n) for n in range(1, 26)]
    mined = {**waiting, "status": {"confirmed": True, "block_height": TIP}}

    def route(path: str) -> tuple[int, bytes, str]:
        if path.endswith("/txs"):
            return 200, json.dumps([waiting, *older]).encode(), "application/json"
        return 200, json.dumps([mined]).encode(), "application/json"

    with fake_server(route) as server:
        outputs = backend(server).outputs_to([OURS])

    assert [o.block_height for o in outputs if o.txid == waiting["txid"]] == [TIP]
    assert len(outputs) == 26


@pytest.mark.parametrize("status", [500, 502, 429, 404])
def test_a_server_error_is_chain_unavailable(esplora, status):
    fake, server = esplora
    fake.broken = (status, b'{"error": "nope"}')
    with pytest.raises(ChainUnavailable, match=str(status)):
        backend(server).tip_height()
    with pytest.raises(ChainUnavailable, match=str(status)):
        backend(server).outputs_to([OURS])


def _one(**fields) -> bytes:
    """A list of one transaction: a well-formed one, with `fields` replaced (None: removed)."""
    good = {"txid": "a" * 64, "status": {"confirmed": False}, "vout": []}
    return json.dumps([{k: v for k, v in (good | fields).items() if v is not None}]).encode()


@pytest.mark.parametrize(
    "body",
    [
        b"<html>maintenance</html>",
        b'{"txid": "not a list"}',
        b"[1]",
        _one(txid="zz"),
        _one(status=None),
        _one(status={"confirmed": "yes"}),
        _one(status={"confirmed": True}),  # no block_height
        _one(status={"confirmed": True, "block_height": "840000"}),
        _one(vout={}),
        _one(vout=[1]),
        _one(vout=[{"value": 1.5, "scriptpubkey_address": OURS}]),
        _one(vout=[{"value": -1, "scriptpubkey_address": OURS}]),
        _one(vout=[{"value": True, "scriptpubkey_address": OURS}]),
        _one(vout=[{"value": 1, "scriptpubkey_address": 7}]),
    ],
)
def test_a_malformed_answer_is_chain_unavailable(body):
    with fake_server(lambda path: (200, body, "application/json")) as server:
        with pytest.raises(ChainUnavailable):
            backend(server).outputs_to([OURS])


@pytest.mark.parametrize("body", [b"abc", b"", b"-1", b"12.5"])
def test_a_tip_that_is_not_a_height_is_chain_unavailable(body):
    with fake_server(lambda path: (200, body, "text/plain")) as server:
        with pytest.raises(ChainUnavailable):
            backend(server).tip_height()


def test_a_server_that_cannot_be_reached_is_chain_unavailable():
    with pytest.raises(ChainUnavailable, match="ConnectError"):
        EsploraBackend(closed_port_url(), timeout=2).tip_height()


def test_a_server_slower_than_the_timeout_is_chain_unavailable():
    def slow(path: str) -> tuple[int, bytes, str]:
        time.sleep(1)
        return 200, b"1", "text/plain"

    with fake_server(slow) as server:
        with pytest.raises(ChainUnavailable, match="Timeout"):
            EsploraBackend(server.url, timeout=0.2).tip_height()


@pytest.mark.django_db
def test_beats_scan_credits_esplora_deposits_once_confirmed(esplora, settings):
    """The whole path with the real adapter: the scan asks the (fake) Esplora server about
    every deposit address and credits an output at BTC_CONFIRMATIONS, once."""
    from accounts.services.cryptoshop_auth import cryptoshop_user_register
    from wallet.models import Account, Deposit
    from wallet.services.btc import btc_wallet_create, deposits_scan

    fake, server = esplora
    settings.BTC_BACKEND = "esplora"
    settings.BTC_ESPLORA_URL = server.url
    wallet = btc_wallet_create(user=cryptoshop_user_register().user)
    paid = tx((wallet.deposit_address, 70_000), (THEIRS, 5_000), height=TIP)  # 1 confirmation
    fake.history[wallet.deposit_address] = [tx((wallet.deposit_address, 9_000)), paid]
    assert deposits_scan() == {"pending": 2}
    assert Account.objects.get(pk=wallet.pk).balance_minor == 0
    fake.tip = str(TIP + 1).encode()  # a second block: two confirmations
    assert deposits_scan() == {"credited": 1, "pending": 1}
    assert deposits_scan() == {"known": 1, "pending": 1}
    assert Account.objects.get(pk=wallet.pk).balance_minor == 70_000
    assert Deposit.objects.get(status="credited").txid == paid["txid"]
    fake.broken = (502, b"bad gateway")
    assert deposits_scan() == {"unreachable": 1}
