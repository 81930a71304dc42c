"""BIP84 deposit addresses (wallet/bitcoin.py).

The vectors are the BIPs' own (bitcoin/bips: bip-0084) unless a comment says where else they
come from. No database: the module is pure.
"""

from __future__ import annotations

from functools import cache

import pytest
from embit import base58, bech32, bip39
from embit.bip32 import HDKey
from embit.networks import NETWORKS as EMBIT_NETWORKS

from wallet.bitcoin import (
    DEVELOPMENT_ZPUB,
    InvalidExtendedKey,
    check_extended_key,
    deposit_address,
)

MNEMONIC = (
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
)
MAIN = EMBIT_NETWORKS["main"]
TEST = EMBIT_NETWORKS["test"]

# bip-0084.mediawiki, Test vectors. Keys stay on one line so that searching for them finds them.
BIP84_ROOT_ZPUB = "zpub6jftahH18ngZxLmXaKw3GSZzZsszmt9WqedkyZdezFtWRFBZqsQH5hyUmb4pCEeZGmVfQuP5bedXTB8is6fTv19U1GQRyQUKQGUTzyHACMF"  # noqa: E501
BIP84_ACCOUNT_ZPRV = "zprvAdG4iTXWBoARxkkzNpNh8r6Qag3irQB8PzEMkAFeTRXxHpbF9z4QgEvBRmfvqWvGp42t42nvgGpNgYSJA9iefm1yYNZKEm7z6qUWCroSQnE"  # noqa: E501

# m/84'/1'/0' of the same mnemonic and its first receive address. BIP84 publishes mainnet
# vectors only; these two are what independent implementations (BDK, bitcoinjs-based
# wallets, NBitcoin-based wallets) publish for it, and the test below also derives the vpub.
TESTNET_VPUB = "vpub5Y6cjg78GGuNLsaPhmYsiw4gYX3HoQiRBiSwDaBXKUafCt9bNwWQiitDk5VZ5BVxYnQdwoTyXSs2JHRPAgjAvtbBrf8ZhDYe2jWAqvZVnsc"  # noqa: E501
TESTNET_FIRST_ADDRESS = "tb1q6rz28mcfaxtmd6v789l9rrlrusdprr9pqcpvkl"


@cache
def _account_private_key(coin_type: int) -> HDKey:
    """m/84'/coin'/0' of the published mnemonic: test data only, never a server's key."""
    root = HDKey.from_seed(bip39.mnemonic_to_seed(MNEMONIC))
    return root.derive(f"m/84h/{coin_type}h/0h")


def _tpub() -> str:
    return _account_private_key(1).to_public(TEST["xpub"]).to_base58()


# ---------------------------------------------------------------------------------------------
# Deposit addresses


@pytest.mark.parametrize(
    ("index", "address"),
    [
        (0, "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"),
        (1, "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g"),
    ],
)
def test_mainnet_deposit_addresses_are_bip84s_published_receive_addresses(
    index: int, address: str
) -> None:
    assert deposit_address(DEVELOPMENT_ZPUB, index, "mainnet") == address


def test_development_zpub_is_the_bip84_account_key_of_the_published_mnemonic() -> None:
    account = _account_private_key(0).to_public(MAIN["zpub"]).to_base58()
    assert account == DEVELOPMENT_ZPUB


def test_an_xpub_of_the_same_account_derives_the_same_addresses_as_its_zpub() -> None:
    xpub = HDKey.from_string(DEVELOPMENT_ZPUB).to_base58(MAIN["xpub"])
    assert xpub.startswith("xpub")
    assert deposit_address(xpub, 0, "mainnet") == "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"


def test_testnet_vpub_is_the_mnemonics_bip84_testnet_account_key() -> None:
    assert _account_private_key(1).to_public(TEST["zpub"]).to_base58() == TESTNET_VPUB


@pytest.mark.parametrize("account_key", [TESTNET_VPUB, _tpub()], ids=["vpub", "tpub"])
def test_testnet_deposit_address_is_bech32_with_the_tb_prefix(account_key: str) -> None:
    assert deposit_address(account_key, 0, "testnet") == TESTNET_FIRST_ADDRESS


def test_regtest_deposit_address_is_the_testnet_program_under_the_bcrt_prefix() -> None:
    regtest = deposit_address(TESTNET_VPUB, 0, "regtest")
    _, regtest_program = bech32.decode("bcrt", regtest)
    _, testnet_program = bech32.decode("tb", TESTNET_FIRST_ADDRESS)
    assert regtest.startswith("bcrt1q")
    assert regtest_program == testnet_program


def test_each_wallet_index_gets_its_own_address() -> None:
    addresses = {deposit_address(DEVELOPMENT_ZPUB, index, "mainnet") for index in range(20)}
    assert len(addresses) == 20


def test_surrounding_whitespace_in_the_configured_key_is_ignored() -> None:
    assert deposit_address(f" {DEVELOPMENT_ZPUB}\n", 0, "mainnet") == deposit_address(
        DEVELOPMENT_ZPUB, 0, "mainnet"
    )


@pytest.mark.parametrize(
    ("account_key", "network"),
    [(DEVELOPMENT_ZPUB, "mainnet"), (TESTNET_VPUB, "testnet"), (TESTNET_VPUB, "regtest")],
)
def test_a_public_account_key_of_the_wallets_network_passes_the_startup_check(
    account_key: str, network: str
) -> None:
    assert check_extended_key(account_key, network) is None


def _private_keys() -> list[tuple[str, str]]:
    main = _account_private_key(0)
    test = _account_private_key(1)
    return [
        (BIP84_ACCOUNT_ZPRV, "mainnet"),
        (main.to_base58(MAIN["xprv"]), "mainnet"),
        (test.to_base58(TEST["xprv"]), "testnet"),  # tprv
        (test.to_base58(TEST["zprv"]), "regtest"),  # vprv
        # a private key on the other network is still refused as a private key
        (BIP84_ACCOUNT_ZPRV, "testnet"),
    ]


@pytest.mark.parametrize(("private_key", "network"), _private_keys())
def test_a_private_extended_key_is_refused_because_the_server_must_never_hold_one(
    private_key: str, network: str
) -> None:
    assert private_key[1:4] == "prv"
    for use in (
        lambda: check_extended_key(private_key, network),
        lambda: deposit_address(private_key, 0, network),
    ):
        with pytest.raises(InvalidExtendedKey, match="must never hold a private key") as info:
            use()
        # the message names the kind of key, never the key itself (it would reach the logs)
        assert private_key[4:] not in str(info.value)
        assert info.value.__cause__ is None


def test_private_key_data_under_a_public_version_is_refused_as_a_private_key() -> None:
    account = _account_private_key(0)
    # BIP32 serialization with the zpub version but 0x00 + the secret as key data
    raw = (
        MAIN["zpub"]
        + bytes([account.depth])
        + account.fingerprint
        + account.child_number.to_bytes(4, "big")
        + account.chain_code
        + b"\x00"
        + account.secret
    )
    disguised = base58.encode_check(raw)
    assert disguised.startswith("zpub")
    with pytest.raises(InvalidExtendedKey, match="must never hold a private key"):
        check_extended_key(disguised, "mainnet")


@pytest.mark.parametrize(
    ("account_key", "network", "message"),
    [
        (DEVELOPMENT_ZPUB, "testnet", "This is a mainnet key; this wallet is on testnet"),
        (DEVELOPMENT_ZPUB, "regtest", "This is a mainnet key; this wallet is on regtest"),
        (TESTNET_VPUB, "mainnet", "This is a testnet/regtest key; this wallet is on mainnet"),
        (_tpub(), "mainnet", "This is a testnet/regtest key; this wallet is on mainnet"),
    ],
    ids=["zpub-on-testnet", "zpub-on-regtest", "vpub-on-mainnet", "tpub-on-mainnet"],
)
def test_an_account_key_of_another_network_is_refused(
    account_key: str, network: str, message: str
) -> None:
    with pytest.raises(InvalidExtendedKey) as info:
        check_extended_key(account_key, network)
    assert str(info.value) == message


def _chain_key() -> str:
    """m/84'/0'/0'/0: one level too deep for an account key."""
    return HDKey.from_string(DEVELOPMENT_ZPUB).derive([0]).to_base58()


def _non_hardened_depth_3_key() -> str:
    """m/84'/0'/0'/0/0 seen from m/84'/0': depth 3, but its last step is not hardened."""
    purpose = HDKey.from_seed(bip39.mnemonic_to_seed(MNEMONIC)).derive("m/84h").to_public()
    return purpose.derive([0, 0]).to_base58(MAIN["zpub"])


def _bip49_ypub() -> str:
    return _account_private_key(0).to_public(MAIN["ypub"]).to_base58()


@pytest.mark.parametrize(
    ("account_key", "message"),
    [
        ("", "Not an extended public key"),
        ("   ", "Not an extended public key"),
        ("not a key", "bad base58 character or checksum"),
        (DEVELOPMENT_ZPUB[:-1] + "t", "bad base58 character or checksum"),
        (DEVELOPMENT_ZPUB[:50], "bad base58 character or checksum"),
        (DEVELOPMENT_ZPUB * 90, "Not an extended public key"),
        (base58.encode_check(b"\x04\xb2\x47\x46" + bytes(40)), "wrong length"),
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "wrong length"),
        (_bip49_ypub(), "Unsupported extended key"),
        (BIP84_ROOT_ZPUB, "account-level key .* depth 0"),
        (_chain_key(), "account-level key .* depth 4"),
        (_non_hardened_depth_3_key(), "account step is not hardened"),
        (None, "must be text"),
        (b"zpub", "must be text"),
    ],
    ids=[
        "empty",
        "blank",
        "garbage",
        "one-character-changed",
        "truncated",
        "10k-characters",
        "too-short-payload",
        "an-address",
        "bip49-ypub",
        "bip84-root-key",
        "chain-level-key",
        "non-hardened-account-step",
        "none",
        "bytes",
    ],
)
def test_a_key_that_is_not_a_bip84_account_public_key_is_refused(
    account_key: object, message: str
) -> None:
    with pytest.raises(InvalidExtendedKey, match=message):
        check_extended_key(account_key, "mainnet")  # type: ignore[arg-type]


def test_a_point_not_on_the_curve_is_refused() -> None:
    good = base58.decode_check(DEVELOPMENT_ZPUB)
    off_curve = good[:46] + bytes(32)  # x = 0 has no point on secp256k1
    with pytest.raises(InvalidExtendedKey, match="invalid public key"):
        check_extended_key(base58.encode_check(off_curve), "mainnet")


def test_the_configuration_error_is_a_value_error() -> None:
    assert issubclass(InvalidExtendedKey, ValueError)


@pytest.mark.parametrize(
    ("index", "error"),
    [(-1, ValueError), (2**31, ValueError), (True, TypeError), ("0", TypeError), (1.0, TypeError)],
)
def test_an_index_outside_the_non_hardened_range_is_refused(
    index: object, error: type[Exception]
) -> None:
    with pytest.raises(error):
        deposit_address(DEVELOPMENT_ZPUB, index, "mainnet")  # type: ignore[arg-type]


def test_the_last_non_hardened_index_is_allowed() -> None:
    assert deposit_address(DEVELOPMENT_ZPUB, 2**31 - 1, "mainnet").startswith("bc1q")


@pytest.mark.parametrize("network", ["signet", "Mainnet", "", None])
def test_an_unknown_network_is_refused(network: object) -> None:
    with pytest.raises(ValueError, match="Unknown Bitcoin network"):
        check_extended_key(DEVELOPMENT_ZPUB, network)  # type: ignore[arg-type]
