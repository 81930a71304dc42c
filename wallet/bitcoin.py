"""Bitcoin deposit addresses (BIP84) and payout address validation.

A pure module: no Django, no settings, no I/O. Callers read `BTC_NETWORK` and the operator's
extended public key from settings and pass them in, so the rules here are testable alone.

The cryptography (base58check, bech32/bech32m, BIP32 public derivation on secp256k1) is
embit's; this module only decides which keys and addresses the wallet accepts and says why
it refuses the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from embit import base58, bech32
from embit.base import EmbitError
from embit.bip32 import HARDENED_INDEX, HDKey
from embit.networks import NETWORKS as EMBIT_NETWORKS
from embit.script import p2wpkh

AddressKind = Literal["p2pkh", "p2sh", "p2wpkh", "p2wsh", "p2tr", "witness_unknown"]

NETWORKS: Final = ("mainnet", "testnet", "regtest")
DEFAULT_NETWORK: Final = "mainnet"

# BIP84's published test vector: the account 0 key of "abandon abandon … about". Anyone can
# spend from it, so it is for development only; bitcoin/bips bip-0084.mediawiki, Test vectors.
# Kept on one line so that searching for the published key finds it.
DEVELOPMENT_ZPUB: Final = "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs"  # noqa: E501

# An extended key is 78 bytes (BIP32 "Serialization format"), 111 characters in base58check.
_EXTENDED_KEY_BYTES: Final = 78
_EXTENDED_KEY_MAX_CHARS: Final = 120
# A base58check address (version + 20-byte hash) is 21 bytes before its 4-byte checksum.
_BASE58_ADDRESS_BYTES: Final = 21
# BIP173's limit for a whole bech32 string; base58 addresses are at most 35 characters. Longer
# input is refused before any decoding, so a pasted document costs nothing to reject.
_ADDRESS_MAX_CHARS: Final = 90
_BECH32_CHARSET: Final = frozenset(bech32.CHARSET)
_BASE58_CHARSET: Final = frozenset(base58.B58_DIGITS)


@dataclass(frozen=True, slots=True)
class _Network:
    name: str
    hrp: str
    p2pkh: int
    p2sh: int
    # BIP84 account keys this network accepts: xpub/zpub on mainnet, tpub/vpub on the others
    # (SLIP-132 versions, as embit's network table spells them).
    account_key_versions: frozenset[bytes]
    embit: Mapping[str, object]  # what embit's address encoders take as a network


def _network_params(name: str, embit_name: str) -> _Network:
    table = EMBIT_NETWORKS[embit_name]
    return _Network(
        name=name,
        hrp=table["bech32"],
        p2pkh=table["p2pkh"][0],
        p2sh=table["p2sh"][0],
        account_key_versions=frozenset({table["xpub"], table["zpub"]}),
        embit=table,
    )


_NETWORKS: Final = {
    "mainnet": _network_params("mainnet", "main"),
    "testnet": _network_params("testnet", "test"),
    "regtest": _network_params("regtest", "regtest"),
}
_NETWORK_OF_HRP: Final = {params.hrp: name for name, params in _NETWORKS.items()}
# Every private version embit knows (xprv, yprv, zprv, tprv, vprv, …), on any network.
_PRIVATE_KEY_VERSIONS: Final = frozenset(
    version for table in EMBIT_NETWORKS.values() for kind, version in table.items() if "prv" in kind
)


class InvalidExtendedKey(ValueError):
    """The configured extended key cannot be used to derive this network's deposit addresses."""


class InvalidAddress(ValueError):
    """The text is not a Bitcoin address this wallet can pay to; the message says why."""


@dataclass(frozen=True, slots=True)
class AddressInfo:
    """A validated address: `address` is the normalised text to store and pay to (surrounding
    whitespace removed, bech32 lower-cased) and `kind` its output type."""

    address: str
    kind: AddressKind


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


# ---------------------------------------------------------------------------------------------
# Payout addresses


def _invalid(reason: str) -> InvalidAddress:
    return InvalidAddress(f"Invalid Bitcoin address: {reason}")


def _wrong_network(found: str, params: _Network) -> InvalidAddress:
    return InvalidAddress(f"This is a {found} address; this wallet is on {params.name}")


def _is_bech32_shaped(text: str) -> bool:
    """Bech32 if its checksum verifies (with any prefix), or if it starts with a Bitcoin
    prefix: no base58 address starts with `bc1`, `tb1` or `bcrt1`."""
    encoding, _, _ = bech32.bech32_decode(text)
    if encoding is not None:
        return True
    lowered = text.lower()
    return any(lowered.startswith(hrp + "1") for hrp in _NETWORK_OF_HRP)


def _segwit_address(text: str, params: _Network) -> AddressInfo:
    encoding, hrp, data = bech32.bech32_decode(text)
    if encoding is None:
        if text not in (text.lower(), text.upper()):
            raise _invalid("mixed upper and lower case")
        data_part = text.lower()[text.rfind("1") + 1 :]
        if not set(data_part) <= _BECH32_CHARSET:
            raise _invalid("unexpected character")
        raise _invalid("bad checksum")
    if hrp not in _NETWORK_OF_HRP:
        raise InvalidAddress("Unsupported address")
    # The library's BIP350 decoder decides validity; _segwit_refusal only picks the words.
    # Decoded with its own prefix first, so that a malformed address is called malformed
    # rather than "a testnet address".
    version, program = bech32.decode(hrp, text)
    if version is None:
        raise _segwit_refusal(encoding, data)
    if hrp != params.hrp:
        raise _wrong_network(_NETWORK_OF_HRP[hrp], params)
    if version == 0:
        kind: AddressKind = "p2wpkh" if len(program) == 20 else "p2wsh"
    elif version == 1 and len(program) == 32:
        kind = "p2tr"
    else:
        # Future segwit versions are valid destinations (BIP350 asks wallets to pay them).
        kind = "witness_unknown"
    return AddressInfo(address=text.lower(), kind=kind)


def _segwit_refusal(encoding: int, data: list[int]) -> InvalidAddress:
    """Why the segwit decoder refused a string whose bech32 checksum verified."""
    if not data:
        return _invalid("no witness program")
    version = data[0]
    if version > 16:
        return _invalid("unknown witness version")
    program = bech32.convertbits(data[1:], 5, 8, False)
    if program is None:
        return _invalid("bad padding")
    if not 2 <= len(program) <= 40 or (version == 0 and len(program) not in (20, 32)):
        return _invalid("wrong witness program length")
    if version == 0 and encoding != bech32.Encoding.BECH32:
        return _invalid("bad checksum (a version 0 address uses bech32, BIP173)")
    if version != 0 and encoding != bech32.Encoding.BECH32M:
        return _invalid(f"bad checksum (a version {version} address uses bech32m, BIP350)")
    return _invalid("not a segwit address")


def _base58_address(text: str, params: _Network) -> AddressInfo:
    if not set(text) <= _BASE58_CHARSET:
        raise _invalid("unexpected character")
    try:
        payload = base58.decode_check(text)
    except ValueError:
        raise _invalid("bad checksum") from None
    if len(payload) != _BASE58_ADDRESS_BYTES:
        raise _invalid("wrong length")
    version = payload[0]
    if version == params.p2pkh:
        return AddressInfo(address=text, kind="p2pkh")
    if version == params.p2sh:
        return AddressInfo(address=text, kind="p2sh")
    # testnet and regtest share base58 versions, so such an address is named "testnet".
    for other in _NETWORKS.values():
        if version in (other.p2pkh, other.p2sh):
            raise _wrong_network(other.name, params)
    raise InvalidAddress("Unsupported address")


def address_validate(address: str, network: str) -> AddressInfo:
    """Accept a payout address only if its checksum verifies and it belongs to `network`.

    Base58check P2PKH and P2SH (versions 0x00/0x05 on mainnet, 0x6f/0xc4 on testnet and
    regtest); bech32 (BIP173) for witness version 0 with a 20- or 32-byte program; bech32m
    (BIP350) for versions 1 to 16 with a 2- to 40-byte program. The bech32 prefix must be the
    network's (`bc`, `tb`, `bcrt`) and the case not mixed. Surrounding whitespace is ignored,
    whitespace inside is not. Raises `InvalidAddress` with a message for the user; an unknown
    `network` raises `ValueError`.
    """
    params = _params(network)
    if not isinstance(address, str):
        raise _invalid("not text")
    text = address.strip()
    if not text:
        raise _invalid("empty")
    if len(text) > _ADDRESS_MAX_CHARS:
        raise _invalid("too long")
    if any(char.isspace() for char in text):
        raise _invalid("contains spaces")
    if _is_bech32_shaped(text):
        return _segwit_address(text, params)
    return _base58_address(text, params)
