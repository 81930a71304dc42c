"""Where Duka learns what the Bitcoin chain says: one narrow interface, two backends.

`BTC_BACKEND` chooses, read at each use: `sandbox` (the default: a simulated chain inside
Duka, `wallet/sandbox_chain.py`, driven from `/pay/sandbox/btc/`) or `esplora` (the HTTP API
of a Blockstream electrs / mempool.space server, `wallet/esplora.py`). The ledger asks only
two questions: the tip's height, and every output paying some of its addresses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import django.dispatch
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .conf import btc_backend_key, payments_sandbox_enabled


@dataclass(frozen=True, slots=True)
class ChainOutput:
    """One transaction output paying an address; `block_height` is None while in the mempool."""

    txid: str
    vout: int
    address: str
    amount_sat: int
    block_height: int | None


class ChainUnavailable(Exception):
    """The backend could not be asked or its answer made no sense: nothing is known, try
    again later. Never a statement about the chain (an empty answer is that)."""


class BtcBackend(Protocol):
    key: str

    def tip_height(self) -> int:
        """The height of the best chain's last block."""

    def outputs_to(self, addresses: Sequence[str]) -> list[ChainOutput]:
        """Every output paying any of `addresses`, confirmed or in the mempool, each once."""


def confirmations(output: ChainOutput, tip: int) -> int:
    """0 while unconfirmed; 1 in the tip's block. Never negative: an output read after the
    tip may already sit in a newer block."""
    if output.block_height is None:
        return 0
    return max(0, tip - output.block_height + 1)


BACKENDS = {
    "sandbox": "wallet.sandbox_chain.SandboxChain",
    "esplora": "wallet.esplora.EsploraBackend",
}


def get_btc_backend() -> BtcBackend:
    key = btc_backend_key()
    if key not in BACKENDS:
        raise ImproperlyConfigured(f"BTC_BACKEND is {key!r}; expected one of {sorted(BACKENDS)}")
    return import_string(BACKENDS[key])()


def sandbox_chain_enabled() -> bool:
    """The sandbox chain's pages and endpoints exist only while it is the backend, and only
    in development or where `PAYMENTS_SANDBOX` says so (a demo deployment)."""
    return btc_backend_key() == "sandbox" and payments_sandbox_enabled()


# Sent after commit when the sandbox chain changes (blocks mined, a deposit broadcast), so
# the ledger can scan for deposits at once instead of waiting for its next poll.
# Receivers get `sender` (the SandboxChain class) and `height` (the tip after the change).
blocks_mined = django.dispatch.Signal()
