"""BIP84 deposit addresses and payout address validation (wallet/bitcoin.py).

The vectors are the BIPs' own (bitcoin/bips: bip-0084, bip-0049, bip-0067, bip-0173,
bip-0350) unless a comment says where else they come from. No database: the module is pure.
"""

from __future__ import annotations

from functools import cache

import pytest
from embit import base58, bech32, bip39
from embit.bip32 import HDKey
from embit.networks import NETWORKS as EMBIT_NETWORKS

from wallet.bitcoin import (
    DEVELOPMENT_ZPUB,
    AddressInfo,
    InvalidAddress,
    InvalidExtendedKey,
    address_validate,
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

GENESIS_ADDRESS = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"  # the CryptoShop document's example


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
    assert address_validate(regtest, "regtest") == AddressInfo(regtest, "p2wpkh")


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
        (GENESIS_ADDRESS, "wrong length"),
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


def test_the_configuration_errors_are_value_errors() -> None:
    assert issubclass(InvalidExtendedKey, ValueError)
    assert issubclass(InvalidAddress, ValueError)


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
    with pytest.raises(ValueError, match="Unknown Bitcoin network"):
        address_validate(GENESIS_ADDRESS, network)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Payout addresses


@pytest.mark.parametrize(
    ("address", "network", "normalised", "kind"),
    [
        (GENESIS_ADDRESS, "mainnet", GENESIS_ADDRESS, "p2pkh"),
        # bip-0067: the P2SH address of its 2-of-3 example
        (
            "3Q4sF6tv9wsdqu2NtARzNCpQgwifm2rAba",
            "mainnet",
            "3Q4sF6tv9wsdqu2NtARzNCpQgwifm2rAba",
            "p2sh",
        ),
        # bip-0049: the testnet P2SH-P2WPKH test vector; regtest shares testnet's versions
        (
            "2Mww8dCYPUpKHofjgcXcBCEGmniw9CoaiD2",
            "testnet",
            "2Mww8dCYPUpKHofjgcXcBCEGmniw9CoaiD2",
            "p2sh",
        ),
        (
            "2Mww8dCYPUpKHofjgcXcBCEGmniw9CoaiD2",
            "regtest",
            "2Mww8dCYPUpKHofjgcXcBCEGmniw9CoaiD2",
            "p2sh",
        ),
        # m/44'/1'/0'/0/0 of the same mnemonic (widely published; version 0x6f)
        (
            "mkpZhYtJu2r87Js3pDiWJDmPte2NRZ8bJV",
            "testnet",
            "mkpZhYtJu2r87Js3pDiWJDmPte2NRZ8bJV",
            "p2pkh",
        ),
        # bip-0173 examples
        (
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            "mainnet",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            "p2wpkh",
        ),
        (
            "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx",
            "testnet",
            "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx",
            "p2wpkh",
        ),
        (
            "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
            "mainnet",
            "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
            "p2wsh",
        ),
        # bip-0350 valid segwit addresses (upper case is valid and is stored lower-cased)
        (
            "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
            "mainnet",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            "p2wpkh",
        ),
        (
            "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
            "testnet",
            "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
            "p2wsh",
        ),
        (
            "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
            "mainnet",
            "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
            "witness_unknown",
        ),
        ("BC1SW50QGDZ25J", "mainnet", "bc1sw50qgdz25j", "witness_unknown"),
        (
            "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs",
            "mainnet",
            "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs",
            "witness_unknown",
        ),
        (
            "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
            "testnet",
            "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
            "p2wsh",
        ),
        (
            "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
            "testnet",
            "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
            "p2tr",
        ),
        (
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
            "mainnet",
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
            "p2tr",
        ),
        # surrounding whitespace (a pasted newline) is not part of the address
        (f" {GENESIS_ADDRESS}\n", "mainnet", GENESIS_ADDRESS, "p2pkh"),
        (
            "\tBC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4 ",
            "mainnet",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            "p2wpkh",
        ),
    ],
)
def test_a_valid_address_of_the_wallets_network_is_accepted_and_normalised(
    address: str, network: str, normalised: str, kind: str
) -> None:
    assert address_validate(address, network) == AddressInfo(address=normalised, kind=kind)


def test_a_deposit_address_is_a_valid_payout_address_on_its_network() -> None:
    address = deposit_address(DEVELOPMENT_ZPUB, 7, "mainnet")
    assert address_validate(address, "mainnet") == AddressInfo(address, "p2wpkh")


@pytest.mark.parametrize(
    ("address", "network", "message"),
    [
        (GENESIS_ADDRESS, "testnet", "This is a mainnet address; this wallet is on testnet"),
        (GENESIS_ADDRESS, "regtest", "This is a mainnet address; this wallet is on regtest"),
        (
            "3Q4sF6tv9wsdqu2NtARzNCpQgwifm2rAba",
            "testnet",
            "This is a mainnet address; this wallet is on testnet",
        ),
        (
            "2Mww8dCYPUpKHofjgcXcBCEGmniw9CoaiD2",
            "mainnet",
            "This is a testnet address; this wallet is on mainnet",
        ),
        (
            "mkpZhYtJu2r87Js3pDiWJDmPte2NRZ8bJV",
            "mainnet",
            "This is a testnet address; this wallet is on mainnet",
        ),
        (
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            "testnet",
            "This is a mainnet address; this wallet is on testnet",
        ),
        (TESTNET_FIRST_ADDRESS, "mainnet", "This is a testnet address; this wallet is on mainnet"),
        (TESTNET_FIRST_ADDRESS, "regtest", "This is a testnet address; this wallet is on regtest"),
        (
            "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
            "mainnet",
            "This is a testnet address; this wallet is on mainnet",
        ),
        (
            "bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk",
            "testnet",
            "This is a regtest address; this wallet is on testnet",
        ),
    ],
)
def test_an_address_of_another_network_is_refused_with_the_network_named(
    address: str, network: str, message: str
) -> None:
    with pytest.raises(InvalidAddress) as info:
        address_validate(address, network)
    assert str(info.value) == message


# bip-0350 "invalid segwit addresses", each tried on the network its prefix names so that it
# is refused for its own defect, not for the network.
@pytest.mark.parametrize(
    ("address", "network", "message"),
    [
        pytest.param(
            "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut",
            "testnet",
            "^Unsupported address$",
            id="invalid-human-readable-part",
        ),
        pytest.param(
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
            "mainnet",
            r"bad checksum \(a version 1 address uses bech32m",
            id="v1-with-bech32-checksum",
        ),
        pytest.param(
            "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",
            "testnet",
            r"bad checksum \(a version 2 address uses bech32m",
            id="v2-with-bech32-checksum",
        ),
        pytest.param(
            "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
            "mainnet",
            r"bad checksum \(a version 16 address uses bech32m",
            id="v16-with-bech32-checksum",
        ),
        pytest.param(
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",
            "mainnet",
            r"bad checksum \(a version 0 address uses bech32,",
            id="v0-with-bech32m-checksum",
        ),
        pytest.param(
            "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",
            "testnet",
            r"bad checksum \(a version 0 address uses bech32,",
            id="v0-with-bech32m-checksum-testnet",
        ),
        pytest.param(
            "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",
            "mainnet",
            "unexpected character",
            id="invalid-character-in-checksum",
        ),
        pytest.param(
            "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",
            "mainnet",
            "unknown witness version",
            id="invalid-witness-version",
        ),
        pytest.param("bc1pw5dgrnzv", "mainnet", "wrong witness program length", id="1-byte"),
        pytest.param(
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
            "mainnet",
            "wrong witness program length",
            id="41-bytes",
        ),
        pytest.param(
            "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",
            "mainnet",
            "wrong witness program length",
            id="16-bytes-for-v0",
        ),
        pytest.param(
            "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",
            "testnet",
            "mixed upper and lower case",
            id="mixed-case",
        ),
        pytest.param(
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",
            "mainnet",
            "bad padding",
            id="zero-padding-of-more-than-4-bits",
        ),
        pytest.param(
            "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j",
            "testnet",
            "bad padding",
            id="non-zero-padding",
        ),
        pytest.param("bc1gmk9yu", "mainnet", "no witness program", id="empty-data-section"),
    ],
)
def test_bip350_invalid_segwit_addresses_are_refused_for_their_own_defect(
    address: str, network: str, message: str
) -> None:
    with pytest.raises(InvalidAddress, match=message):
        address_validate(address, network)


@pytest.mark.parametrize(
    ("address", "message"),
    [
        # bip-0173's v1+ examples carry bech32 checksums, which BIP350 made invalid
        pytest.param(
            "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx",
            r"bad checksum \(a version 1 address uses bech32m",
            id="bip173-v1-example",
        ),
        pytest.param(
            "BC1SW50QA3JX3S",
            r"bad checksum \(a version 16 address uses bech32m",
            id="bip173-v16-example",
        ),
        # bip-0173's invalid example: one character changed
        pytest.param(
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",
            "^Invalid Bitcoin address: bad checksum$",
            id="bech32-one-character-changed",
        ),
        pytest.param(
            "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyv",
            "^Invalid Bitcoin address: bad checksum$",
            id="bip84-address-one-character-changed",
        ),
        pytest.param(
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj2",
            "^Invalid Bitcoin address: bad checksum$",
            id="taproot-last-character-changed",
        ),
        pytest.param(
            "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fYu",
            "mixed upper and lower case",
            id="mixed-case-p2wpkh",
        ),
        pytest.param(
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",
            "^Invalid Bitcoin address: bad checksum$",
            id="base58-one-character-changed",
        ),
        pytest.param(
            "3Q4sF6tv9wsdqu2NtARzNCpQgwifm2rAbb",
            "^Invalid Bitcoin address: bad checksum$",
            id="p2sh-one-character-changed",
        ),
        pytest.param(
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN",
            "^Invalid Bitcoin address: bad checksum$",
            id="base58-truncated",
        ),
        pytest.param(
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7Div0Na",
            "unexpected character",  # '0' is not in base58
            id="base58-zero",
        ),
        pytest.param(
            base58.encode_check(b"\x00" + bytes(19)),
            "wrong length",
            id="base58-19-byte-hash",
        ),
        pytest.param(
            base58.encode_check(b"\x30" + bytes(20)),
            "^Unsupported address$",
            id="base58-litecoin-version",
        ),
        pytest.param(
            bech32.encode("ltc", 0, bytes(20)),
            "^Unsupported address$",
            id="bech32-litecoin-prefix",
        ),
        pytest.param(DEVELOPMENT_ZPUB, "too long", id="an-extended-key"),
        pytest.param("", "empty", id="empty"),
        pytest.param(" \n\t", "empty", id="only-whitespace"),
        pytest.param("1A1zP1eP5QGefi2 DMPTfTL5SLmv7DivfNa", "contains spaces", id="inner-space"),
        pytest.param(
            "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z\n306fyu", "contains spaces", id="inner-newline"
        ),
        pytest.param("1" * 10_000, "too long", id="10k-base58-characters"),
        pytest.param("bc1q" + "q" * 9_996, "too long", id="10k-bech32-characters"),
        pytest.param("hello", "unexpected character", id="a-word"),
        pytest.param(
            "0x9858EfFD232B4033E47d90003D41EC34EcaEda94", "unexpected character", id="eth"
        ),
        pytest.param("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNá", "unexpected character", id="non-ascii"),
    ],
)
def test_a_string_that_is_not_a_valid_bitcoin_address_is_refused_with_a_reason(
    address: str, message: str
) -> None:
    with pytest.raises(InvalidAddress, match=message):
        address_validate(address, "mainnet")


@pytest.mark.parametrize("value", [None, 123, b"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", ["bc1q"]])
def test_a_value_that_is_not_text_is_refused_as_an_invalid_address(value: object) -> None:
    with pytest.raises(InvalidAddress, match=r"^Invalid Bitcoin address: not text$"):
        address_validate(value, "mainnet")  # type: ignore[arg-type]


def test_address_info_is_immutable() -> None:
    info = address_validate(GENESIS_ADDRESS, "mainnet")
    with pytest.raises(AttributeError):
        info.kind = "p2sh"  # type: ignore[misc]
