"""The sandbox Bitcoin chain: a simulated chain inside Duka, the default `BTC_BACKEND`.

Someone testing CryptoShop broadcasts a deposit to an address (it waits in the "mempool")
and mines blocks (every waiting transaction goes into the first new block), from
`/pay/sandbox/btc/` or its JSON endpoints. Its rows (`SandboxChainTx`, `SandboxChainTip`)
are the chain's own records, not our ledger: the ledger reads them through `SandboxChain`,
the same interface as a real chain's, and learns of changes through `blocks_mined`.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Sequence
from enum import StrEnum

from django.db import transaction

from core.errors import DomainError, ErrorKind

from .chain import ChainOutput, blocks_mined
from .locks import sandbox_chain_tip_lock
from .models import SandboxChainTip, SandboxChainTx

logger = logging.getLogger(__name__)

MAX_SUPPLY_SAT = 21_000_000 * 100_000_000
MAX_BLOCKS_PER_MINE = 100
# Only the shape: the checksum and network are checked where addresses are made and read
# (wallet/bitcoin.py); the sandbox chain accepts any plausible string, as tests need.
_ADDRESS_SHAPE = re.compile(r"[A-Za-z0-9]{1,100}")
_QUERY_CHUNK = 500  # addresses per query: well under every database's parameter limit


class SandboxChainErrorCode(StrEnum):
    BAD_ADDRESS = "BAD_ADDRESS"
    BAD_AMOUNT = "BAD_AMOUNT"
    BAD_COUNT = "BAD_COUNT"
    BAD_REQUEST = "BAD_REQUEST"  # not a JSON object, at the HTTP edge


class SandboxChainError(DomainError):
    kind = ErrorKind.INVALID


class SandboxChain:
    """The `BtcBackend` read from the sandbox chain's rows."""

    key = "sandbox"

    def tip_height(self) -> int:
        height = (
            SandboxChainTip.objects.filter(pk=SandboxChainTip.SINGLETON)
            .values_list("height", flat=True)
            .first()
        )
        return height or 0

    def outputs_to(self, addresses: Sequence[str]) -> list[ChainOutput]:
        wanted = list(dict.fromkeys(addresses))
        outputs: list[ChainOutput] = []
        for start in range(0, len(wanted), _QUERY_CHUNK):
            rows = SandboxChainTx.objects.filter(
                address__in=wanted[start : start + _QUERY_CHUNK]
            ).order_by("id")
            outputs.extend(chain_output(row) for row in rows)
        return outputs


def chain_output(row: SandboxChainTx) -> ChainOutput:
    return ChainOutput(
        txid=row.txid,
        vout=row.vout,
        address=row.address,
        amount_sat=row.amount_sat,
        block_height=row.block_height,
    )


def sandbox_chain_recent(*, limit: int = 20) -> list[SandboxChainTx]:
    """The newest transactions on the sandbox chain, newest first."""
    return list(SandboxChainTx.objects.order_by("-id")[:limit])


@transaction.atomic(durable=True)
def sandbox_deposit_broadcast(*, address: str, amount_sat: int) -> SandboxChainTx:
    """Someone pays `amount_sat` to `address`: a new transaction (random txid, one output,
    vout 0) waits unconfirmed until the next block. The amount is more than 0 and at most
    the 21 million BTC there will ever be; the address has a Bitcoin address's shape."""
    if not isinstance(address, str) or not _ADDRESS_SHAPE.fullmatch(address):
        raise SandboxChainError(
            SandboxChainErrorCode.BAD_ADDRESS,
            "address must be 1 to 100 letters and digits",
            field="address",
        )
    if isinstance(amount_sat, bool) or not isinstance(amount_sat, int):
        raise SandboxChainError(
            SandboxChainErrorCode.BAD_AMOUNT, "amount must be whole satoshis", field="amount"
        )
    if not 0 < amount_sat <= MAX_SUPPLY_SAT:
        raise SandboxChainError(
            SandboxChainErrorCode.BAD_AMOUNT,
            "amount must be more than 0 and at most 21,000,000 BTC",
            field="amount",
        )
    tx = SandboxChainTx.objects.create(
        txid=secrets.token_hex(32), vout=0, address=address, amount_sat=amount_sat
    )
    tip = SandboxChain().tip_height()
    transaction.on_commit(lambda: _announce(tip), robust=True)
    return tx


@transaction.atomic(durable=True)
def sandbox_blocks_mine(*, count: int) -> int:
    """Mine `count` blocks (1 to 100) and answer the new tip's height. Every transaction
    waiting in the mempool goes into the first of them, so after `count` blocks it has
    `count` confirmations. Under the tip's row lock: two miners never make one height twice."""
    if isinstance(count, bool) or not isinstance(count, int):
        raise SandboxChainError(
            SandboxChainErrorCode.BAD_COUNT, "count must be a whole number", field="count"
        )
    if not 1 <= count <= MAX_BLOCKS_PER_MINE:
        raise SandboxChainError(
            SandboxChainErrorCode.BAD_COUNT,
            f"count must be from 1 to {MAX_BLOCKS_PER_MINE}",
            field="count",
        )
    tip = sandbox_chain_tip_lock()
    first_block = tip.height + 1
    SandboxChainTx.objects.filter(block_height__isnull=True).update(block_height=first_block)
    tip.height += count
    tip.save(update_fields=["height"])
    height = tip.height
    transaction.on_commit(lambda: _announce(height), robust=True)
    return height


def _announce(height: int) -> None:
    """Tell the ledger the chain changed. A receiver's failure (a broker that refuses its
    scan task) is logged: its regular poll finds the deposit later."""
    for receiver, result in blocks_mined.send_robust(sender=SandboxChain, height=height):
        if isinstance(result, Exception):
            logger.warning("blocks_mined receiver %r failed", receiver, exc_info=result)
