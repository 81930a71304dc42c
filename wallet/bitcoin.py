"""Bitcoin deposit addresses (BIP84).

A pure module: no Django, no settings, no I/O. Callers read `BTC_NETWORK` and the operator's
extended public key from settings and pass them in, so the rules here are testable alone.

The cryptography (base58check, bech32, BIP32 public derivation on secp256k1) is embit's;
this module only decides which keys the wallet accepts and says why it refuses the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from embit import base58
from embit.base import EmbitError
from embit.bip32 import HARDENED_INDEX, HDKey
from embit.networks import NETWORKS as EMBIT_NETWORKS
from embit.script import p2wpkh

NETWORKS: Final = ("mainnet", "testnet", "regtest")
DEFAULT_NETWORK: Final = "mainnet"

# BIP84's published test vector: the account 0 key of "abandon abandon … about". Anyone can
# spend from it, so it is for development only; bitcoin/bips bip-0084.mediawiki, Test vectors.
# Kept on one line so that searching for the published key finds it.
DEVELOPMENT_ZPUB: Final = "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs"  # noqa: E501

# An extended key is 78 bytes (BIP32 "Serialization format"), 111 characters in base58check.
_EXTENDED_KEY_BYTES: Final = 78
_EXTENDED_KEY_MAX_CHARS: Final = 120


@dataclass(frozen=True, slots=True)
class _Network:
    name: str
    hrp: str
    # BIP84 account keys this network accepts: xpub/zpub on mainnet, tpub/vpub on the others
    # (SLIP-132 versions, as embit's network table spells them).
    account_key_versions: frozenset[bytes]
    embit: Mapping[str, object]  # what embit's address encoders take as a network


def _network_params(name: str, embit_name: str) -> _Network:
    table = EMBIT_NETWORKS[embit_name]
    return _Network(
        name=name,
        hrp=table["bech32"],
        account_key_versions=frozenset({table["xpub"], table["zpub"]}),
        embit=table,
    )


_NETWORKS: Final = {
    "mainnet": _network_params("mainnet", "main"),
    "testnet": _network_params("testnet", "test"),
    "regtest": _network_params("regtest", "regtest"),
}
# Every private version embit knows (xprv, yprv, zprv, tprv, vprv, …), on any network.
_PRIVATE_KEY_VERSIONS: Final = frozenset(
    version for table in EMBIT_NETWORKS.values() for kind, version in table.items() if "prv" in kind
)


class InvalidExtendedKey(ValueError):
    """The configured extended key cannot be used to derive this network's deposit addresses."""


def _params(network: str) -> _Network:
    try:
        return _NETWORKS[network]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown Bitcoin network {network!r}; expected one of {', '.join(NETWORKS)}"
        ) from None


# ---------------------------------------------------------------------------------------------
# Deposit addresses


def _private_key_refused(prefix: str) -> InvalidExtendedKey:
    return InvalidExtendedKey(
        f"This is a private extended key ({prefix}…). The server must never hold a private key: "
        "configure the account's extended public key (xpub/zpub, or tpub/vpub off mainnet)."
    )


def _account_key(xpub: str, network: str) -> HDKey:
    params = _params(network)
    if not isinstance(xpub, str):
        raise InvalidExtendedKey("The extended public key must be text")
    text = xpub.strip()
    if not text or len(text) > _EXTENDED_KEY_MAX_CHARS:
        raise InvalidExtendedKey("Not an extended public key")
    # Messages never quote the key: a misconfigured private key must not reach the logs.
    try:
        raw = base58.decode_check(text)
    except ValueError:
        raise InvalidExtendedKey(
            "Not an extended public key: bad base58 character or checksum"
        ) from None
    if len(raw) != _EXTENDED_KEY_BYTES:
        raise InvalidExtendedKey("Not an extended public key: wrong length")
    version = raw[:4]
    # Refused before the key is parsed at all, and whatever version bytes it carries: a 0x00
    # byte before the key data marks private key material (BIP32 serialization).
    if version in _PRIVATE_KEY_VERSIONS or raw[45] == 0:
        raise _private_key_refused(text[:4])
    if version not in params.account_key_versions:
        for other in _NETWORKS.values():
            if version in other.account_key_versions:
                family = "mainnet" if other.name == "mainnet" else "testnet/regtest"
                raise InvalidExtendedKey(f"This is a {family} key; this wallet is on {params.name}")
        raise InvalidExtendedKey(
            "Unsupported extended key: a BIP84 account key is an xpub or zpub on mainnet, "
            "a tpub or vpub on testnet and regtest"
        )
    try:
        key = HDKey.parse(raw)
    except (EmbitError, ValueError, IndexError):
        raise InvalidExtendedKey("Not an extended public key: invalid public key") from None
    if key.is_private:
        raise _private_key_refused(text[:4])
    # BIP84 addresses hang below m/84'/coin'/account'; a root or chain key would derive
    # addresses the operator's wallet never looks at, so the money would seem lost.
    if key.depth != 3:
        raise InvalidExtendedKey(
            "Expected an account-level key (m/84'/coin'/account'); "
            f"this key is at depth {key.depth}"
        )
    if key.child_number < HARDENED_INDEX:
        raise InvalidExtendedKey(
            "Expected an account-level key (m/84'/coin'/account'); "
            "this key's account step is not hardened"
        )
    return key


def check_extended_key(xpub: str, network: str) -> None:
    """Refuse, at startup, a deposit key that `deposit_address` could not use.

    The key must be a BIP84 account-level extended *public* key for `network`: xpub or zpub
    on mainnet, tpub or vpub on testnet and regtest. A private key (xprv, zprv, tprv, vprv, …)
    is refused outright, since the server must never hold one. Raises `InvalidExtendedKey`;
    an unknown `network` raises `ValueError`.
    """
    _account_key(xpub, network)


def deposit_address(xpub: str, index: int, network: str) -> str:
    """The native segwit (P2WPKH) receive address number `index` of the account `xpub`.

    Derives account → /0/index (BIP84's external chain) with public derivation only, and
    encodes it with the network's bech32 prefix (`bc`, `tb`, `bcrt`). One index per wallet,
    so `index` is a non-hardened child number, 0 ≤ index < 2³¹. Raises `InvalidExtendedKey`
    for a key `check_extended_key` refuses.
    """
    if isinstance(index, bool) or not isinstance(index, int):
        raise TypeError("index must be an int")
    if not 0 <= index < HARDENED_INDEX:
        raise ValueError(f"index must be between 0 and {HARDENED_INDEX - 1}")
    key = _account_key(xpub, network)
    external_chain = 0
    child = key.derive([external_chain, index])
    return p2wpkh(child).address(_params(network).embit)
