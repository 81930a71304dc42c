"""The `esplora` BTC backend: the HTTP API of Blockstream's electrs, as served by
blockstream.info, mempool.space or a self-hosted server (`BTC_ESPLORA_URL`).

Used here (Blockstream/esplora API.md):
- `GET /blocks/tip/height` → the height, as text.
- `GET /address/:address/txs` → the address's transactions, newest first: up to 50 in the
  mempool, then the first 25 confirmed.
- `GET /address/:address/txs/chain/:last_seen_txid` → the next 25 confirmed after that one.
Each transaction has `txid`, `status: {confirmed, block_height}` and `vout: [{value,
scriptpubkey_address}]` (value in satoshis; outputs without an address, such as OP_RETURN,
have none).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from .chain import ChainOutput, ChainUnavailable
from .conf import btc_esplora_max_pages, btc_esplora_url, btc_http_timeout_seconds

logger = logging.getLogger(__name__)

_TXID = re.compile(r"[0-9a-fA-F]{64}")


class EsploraBackend:
    key = "esplora"
    # confirmed transactions a history page holds (electrs' CHAIN_TXS_PER_PAGE): a page
    # with fewer is the last one
    chain_page_size = 25

    def __init__(
        self,
        base_url: str | None = None,
        *,
        timeout: float | None = None,
        max_pages: int | None = None,
    ) -> None:
        self.base_url = (base_url or btc_esplora_url()).rstrip("/")
        self.timeout = float(timeout if timeout is not None else btc_http_timeout_seconds())
        self.max_pages = max_pages if max_pages is not None else btc_esplora_max_pages()

    def tip_height(self) -> int:
        with self._client() as client:
            text = self._get(client, "/blocks/tip/height").text.strip()
        if not text.isascii() or not text.isdigit():
            raise ChainUnavailable(f"Esplora tip height is not a number: {text[:40]!r}")
        return int(text)

    def outputs_to(self, addresses: Sequence[str]) -> list[ChainOutput]:
        wanted = set(addresses)
        found: dict[tuple[str, int], ChainOutput] = {}
        with self._client() as client:
            for address in dict.fromkeys(addresses):
                for tx in self._history(client, address):
                    for output in _outputs(tx, wanted):
                        key = (output.txid, output.vout)
                        seen = found.get(key)
                        # a transaction mined between two pages shows up twice: keep the
                        # confirmed sighting
                        if seen is None or seen.block_height is None:
                            found[key] = output
        return list(found.values())

    def _history(self, client: httpx.Client, address: str) -> Iterator[dict[str, Any]]:
        """Every transaction of `address`: the first page (mempool and newest confirmed),
        then older confirmed pages until one is short, at most `max_pages` pages in all."""
        root = f"/address/{quote(address, safe='')}/txs"
        page = self._get_txs(client, root)
        yield from page
        confirmed = [tx for tx in page if tx["status"]["confirmed"]]
        pages = 1
        while len(confirmed) >= self.chain_page_size:
            if pages >= self.max_pages:
                # newest first: what is left unread is the oldest history, long since seen
                logger.warning(
                    "Esplora: address %s has more than %d pages of history; read the newest "
                    "only (BTC_ESPLORA_MAX_PAGES)",
                    address,
                    self.max_pages,
                )
                return
            page = self._get_txs(client, f"{root}/chain/{confirmed[-1]['txid']}")
            pages += 1
            yield from page
            confirmed = [tx for tx in page if tx["status"]["confirmed"]]

    def _client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            timeout=self.timeout,
            headers={"Accept": "application/json", "User-Agent": "Duka"},
        )

    def _get(self, client: httpx.Client, path: str) -> httpx.Response:
        try:
            response = client.get(path)
        except httpx.HTTPError as exc:
            raise ChainUnavailable(f"Esplora {path}: {exc.__class__.__name__}: {exc}") from exc
        if not response.is_success:
            raise ChainUnavailable(f"Esplora {path} answered {response.status_code}")
        return response

    def _get_txs(self, client: httpx.Client, path: str) -> list[dict[str, Any]]:
        response = self._get(client, path)
        try:
            data = json.loads(response.content)
        except ValueError as exc:
            raise ChainUnavailable(f"Esplora {path}: not JSON") from exc
        if not isinstance(data, list):
            raise ChainUnavailable(f"Esplora {path}: expected a list of transactions")
        for tx in data:
            _check_tx(tx, path)
        return data


def _check_tx(tx: Any, path: str) -> None:
    """The fields we read, with the types we read them as; anything else is a server we do
    not understand, and nothing it says is believed."""

    def bad(why: str) -> ChainUnavailable:
        return ChainUnavailable(f"Esplora {path}: malformed transaction ({why})")

    if not isinstance(tx, dict) or not _is_txid(tx.get("txid")):
        raise bad("txid")
    status = tx.get("status")
    if not isinstance(status, dict) or not isinstance(status.get("confirmed"), bool):
        raise bad("status")
    if status["confirmed"] and not _is_count(status.get("block_height")):
        raise bad("block_height")
    outputs = tx.get("vout")
    if not isinstance(outputs, list):
        raise bad("vout")
    for output in outputs:
        if not isinstance(output, dict) or not _is_count(output.get("value")):
            raise bad("vout value")
        address = output.get("scriptpubkey_address")
        if address is not None and not isinstance(address, str):
            raise bad("vout address")


def _outputs(tx: dict[str, Any], wanted: set[str]) -> Iterator[ChainOutput]:
    status = tx["status"]
    height = status["block_height"] if status["confirmed"] else None
    for index, output in enumerate(tx["vout"]):
        address = output.get("scriptpubkey_address")
        # a zero-value output pays nothing (and the sandbox chain refuses them too)
        if address in wanted and output["value"] > 0:
            yield ChainOutput(
                txid=tx["txid"].lower(),
                vout=index,
                address=address,
                amount_sat=output["value"],
                block_height=height,
            )


def _is_txid(value: Any) -> bool:
    return isinstance(value, str) and bool(_TXID.fullmatch(value))


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
