"""CryptoShop "Wallet Endpoints" and withdrawals, through HTTP; deposits from the sandbox chain."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.services.cryptoshop_auth import cryptoshop_user_register
from tests.conftest import CRYPTOSHOP, techaven_client
from tests.helpers.cryptoshop import client_with
from wallet.bitcoin import DEVELOPMENT_ZPUB, deposit_address
from wallet.chain import ChainOutput
from wallet.models import Account, Deposit, LedgerTransaction, Withdrawal
from wallet.services.btc import deposit_observe, withdrawal_reject, withdrawal_send

pytestmark = pytest.mark.django_db

DOC_ADDRESS = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"  # the document's example


@pytest.fixture
def cs():
    account = cryptoshop_user_register()
    client = client_with(account.access_token)
    client.user = account.user
    return client


def create(client):
    response = client.post(f"{CRYPTOSHOP}/wallet")
    assert response.status_code == 201, response.json()
    return response.json()["data"]


@pytest.fixture(autouse=True)
def _after_commit(django_capture_on_commit_callbacks):
    """What runs after commit in real life runs in these tests too (a mined block's scan)."""
    global _capture
    _capture = django_capture_on_commit_callbacks


def deposit(address: str, amount_btc: str) -> str:
    """A payment to `address` broadcast on the sandbox chain (unconfirmed)."""
    with _capture(execute=True):
        response = Client().post(
            "/pay/sandbox/btc/deposits",
            {"address": address, "amount_btc": amount_btc},
            content_type="application/json",
        )
    assert response.status_code == 201, response.json()
    return response.json()["txid"]


def mine(count: int = 1) -> None:
    with _capture(execute=True):
        response = Client().post(
            "/pay/sandbox/btc/blocks", {"count": count}, content_type="application/json"
        )
    assert response.status_code == 201, response.json()


def exact(response) -> dict:
    """The body with its numbers read as exact decimals, as a careful client reads money."""
    return json.loads(response.content, parse_float=Decimal)


def wallet(client) -> dict:
    response = client.get(f"{CRYPTOSHOP}/wallet")
    assert response.status_code == 200, response.json()
    return exact(response)["data"]


def funded(client, amount_btc: str = "0.01") -> dict:
    data = create(client)
    deposit(data["depositAddress"], amount_btc)
    mine(2)
    return data


# --- create and read ---------------------------------------------------------------------
def test_create_answers_201_in_the_documented_shape_with_a_bip84_deposit_address(cs):
    response = cs.post(f"{CRYPTOSHOP}/wallet")
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True
    data = body["data"]
    assert set(data) == {"id", "userId", "balanceBtc", "balanceEur", "address",
                         "depositAddress", "createdAt", "updatedAt"}  # fmt: skip
    assert data["id"].startswith("wallet_") and data["userId"] == f"user_{cs.user.uid}"
    assert (data["balanceBtc"], data["balanceEur"]) == (0, 0)
    index = Account.objects.get(user=cs.user).address_index
    assert (
        data["address"]
        == data["depositAddress"]
        == deposit_address(DEVELOPMENT_ZPUB, index, "mainnet")
    )
    assert data["depositAddress"].startswith("bc1q")


def test_each_wallet_gets_its_own_address():
    addresses = set()
    for _ in range(3):
        account = cryptoshop_user_register()
        addresses.add(create(client_with(account.access_token))["depositAddress"])
    assert len(addresses) == 3
    assert sorted(
        Account.objects.filter(currency="BTC").values_list("address_index", flat=True)
    ) == [0, 1, 2]


def test_a_second_create_answers_409(cs):
    create(cs)
    response = cs.post(f"{CRYPTOSHOP}/wallet")
    assert response.status_code == 409
    assert response.json()["code"] == "WALLET_EXISTS"
    assert Account.objects.filter(user=cs.user).count() == 1


def test_get_before_create_answers_404_in_cryptoshop_format(cs):
    response = cs.get(f"{CRYPTOSHOP}/wallet")
    assert response.status_code == 404
    assert set(response.json()) == {"success", "error", "code", "details"}
    assert response.json()["code"] == "WALLET_NOT_FOUND"


@pytest.mark.parametrize("method", ["get", "post", "put"])
def test_the_wallet_needs_a_cryptoshop_token(method, buyer):
    assert getattr(APIClient(), method)(f"{CRYPTOSHOP}/wallet").status_code == 401
    assert getattr(techaven_client(buyer), method)(f"{CRYPTOSHOP}/wallet").status_code == 401


def test_the_wallet_is_behind_the_2fa_gate(cs_two_factor):
    bare = client_with(cs_two_factor["access_token"])
    assert bare.post(f"{CRYPTOSHOP}/wallet").json()["code"] == "TWO_FACTOR_REQUIRED"
    session = client_with(cs_two_factor["session_token"])
    assert session.post(f"{CRYPTOSHOP}/wallet").status_code == 201
    assert bare.post(f"{CRYPTOSHOP}/wallet/withdrawals", {"amountBtc": "0.001"}).status_code == 401


# --- deposits ----------------------------------------------------------------------------
def test_a_sandbox_deposit_is_credited_once_it_has_two_confirmations(cs, settings):
    data = create(cs)
    txid = deposit(data["depositAddress"], "0.1")
    [pending] = wallet(cs)["transactions"]
    assert (pending["type"], pending["status"], pending["hash"]) == ("DEPOSIT", "PENDING", txid)
    assert wallet(cs)["balanceBtc"] == 0
    mine(1)
    assert wallet(cs)["balanceBtc"] == 0  # one confirmation
    mine(1)
    view = wallet(cs)
    assert view["balanceBtc"] == Decimal("0.1")
    assert view["balanceEur"] == Decimal("3700.00")  # the sandbox rate, 37,000 EUR per BTC
    [credited] = view["transactions"]
    assert credited["type"] == "DEPOSIT" and credited["status"] == "CONFIRMED"
    assert (credited["amountBtc"], credited["amountEur"]) == (Decimal("0.1"), Decimal("3700.00"))
    assert credited["hash"] == txid and credited["description"] == "Bitcoin deposit"
    assert credited["id"].startswith("tx_")
    mine(5)
    assert wallet(cs)["balanceBtc"] == Decimal("0.1")
    assert Deposit.objects.get().status == "credited"


def test_observations_in_any_order_credit_each_output_exactly_once(cs):
    data = create(cs)
    output = ChainOutput("cd" * 32, 1, data["depositAddress"], 25_000, block_height=10)
    for confirmations in (5, 0, 2, 1, 9, 2):
        deposit_observe(output=output, confirmations=confirmations)
    other_vout = ChainOutput("cd" * 32, 2, data["depositAddress"], 5_000, block_height=10)
    deposit_observe(output=other_vout, confirmations=1)
    assert Account.objects.get(user=cs.user).balance_minor == 25_000
    deposit_observe(output=other_vout, confirmations=3)
    assert Account.objects.get(user=cs.user).balance_minor == 30_000
    assert LedgerTransaction.objects.filter(kind="deposit").count() == 2


def test_an_output_to_someone_elses_address_is_ignored(cs):
    create(cs)
    assert (
        deposit_observe(output=ChainOutput("ef" * 32, 0, DOC_ADDRESS, 1_000, 1), confirmations=6)
        == "ignored"
    )
    assert not Deposit.objects.exists()


# --- payout address ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "address",
    [DOC_ADDRESS, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
     "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
     "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"],
)  # fmt: skip
def test_put_sets_a_valid_payout_address(cs, address):
    create(cs)
    response = cs.put(f"{CRYPTOSHOP}/wallet", {"address": address})
    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert set(data) == {"id", "address", "updatedAt"}
    assert data["address"] == address
    view = wallet(cs)
    assert view["address"] == address and view["depositAddress"] != address


@pytest.mark.parametrize(
    "address",
    [
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",  # wrong checksum
        "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx",  # testnet, wallet on mainnet
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",  # v0 with a bech32m checksum
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",  # v1 with bech32
        "",
        "not an address",
        "x" * 100,
    ],
)
def test_put_refuses_an_invalid_address_and_changes_nothing(cs, address):
    create(cs)
    response = cs.put(f"{CRYPTOSHOP}/wallet", {"address": address})
    assert response.status_code == 400, response.json()
    assert response.json()["success"] is False
    assert "address" in response.json()["details"]
    assert Account.objects.get(user=cs.user).payout_address == ""


def test_put_before_create_answers_404(cs):
    assert cs.put(f"{CRYPTOSHOP}/wallet", {"address": DOC_ADDRESS}).status_code == 404


# --- withdrawals -------------------------------------------------------------------------
def test_a_withdrawal_is_held_at_once_and_sent_by_staff(cs, admin_user):
    funded(cs, "0.01")
    cs.put(f"{CRYPTOSHOP}/wallet", {"address": DOC_ADDRESS})
    response = cs.post(f"{CRYPTOSHOP}/wallet/withdrawals", {"amountBtc": 0.004})
    assert response.status_code == 201, response.json()
    data = exact(response)["data"]
    assert data["amountBtc"] == Decimal("0.004") and data["address"] == DOC_ADDRESS
    assert (data["status"], data["txid"]) == ("PENDING", None)
    assert wallet(cs)["balanceBtc"] == Decimal("0.006")
    [held, _] = wallet(cs)["transactions"]
    assert (held["type"], held["status"], held["amountBtc"]) == (
        "WITHDRAWAL",
        "PENDING",
        Decimal("0.004"),
    )

    withdrawal = Withdrawal.objects.get()
    withdrawal_send(withdrawal_id=withdrawal.pk, txid="ab" * 32, staff_user=admin_user)
    [sent, _] = wallet(cs)["transactions"]
    assert (sent["status"], sent["hash"]) == ("CONFIRMED", "ab" * 32)
    assert wallet(cs)["balanceBtc"] == Decimal("0.006")
    assert Account.objects.get(kind="withdrawals", currency="BTC").balance_minor == 0


def test_a_rejected_withdrawal_comes_back(cs, admin_user):
    funded(cs, "0.01")
    cs.put(f"{CRYPTOSHOP}/wallet", {"address": DOC_ADDRESS})
    cs.post(f"{CRYPTOSHOP}/wallet/withdrawals", {"amountBtc": "0.01"})
    assert wallet(cs)["balanceBtc"] == 0
    withdrawal_reject(
        withdrawal_id=Withdrawal.objects.get().pk,
        reason="Sanctioned address",
        staff_user=admin_user,
    )
    view = wallet(cs)
    assert view["balanceBtc"] == Decimal("0.01")
    assert [t["type"] for t in view["transactions"]] == [
        "WITHDRAWAL_RETURNED",
        "WITHDRAWAL",
        "DEPOSIT",
    ]
    assert view["transactions"][1]["status"] == "REJECTED"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"amountBtc": 0}, "VALIDATION_ERROR"),
        ({"amountBtc": -1}, "VALIDATION_ERROR"),
        ({"amountBtc": "lots"}, "VALIDATION_ERROR"),
        ({"amountBtc": "0.000000001"}, "VALIDATION_ERROR"),  # finer than a satoshi
        ({}, "VALIDATION_ERROR"),
        ({"amountBtc": "0.00001"}, "INVALID_AMOUNT"),  # below BTC_WITHDRAWAL_MIN_SAT
        ({"amountBtc": "0.02"}, "INSUFFICIENT_FUNDS"),
    ],
)
def test_bad_withdrawals_answer_400_and_hold_nothing(cs, body, code):
    funded(cs, "0.01")
    cs.put(f"{CRYPTOSHOP}/wallet", {"address": DOC_ADDRESS})
    response = cs.post(f"{CRYPTOSHOP}/wallet/withdrawals", body)
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    assert "amountBtc" in response.json()["details"]
    assert not Withdrawal.objects.exists()
    assert wallet(cs)["balanceBtc"] == Decimal("0.01")


def test_a_withdrawal_needs_a_payout_address(cs):
    funded(cs, "0.01")
    response = cs.post(f"{CRYPTOSHOP}/wallet/withdrawals", {"amountBtc": "0.001"})
    assert response.status_code == 400
    assert response.json()["code"] == "NO_PAYOUT_ADDRESS"


def test_the_wallet_read_costs_the_same_queries_however_much_happened(
    cs, django_assert_max_num_queries
):
    data = create(cs)
    for i in range(8):
        deposit_observe(
            output=ChainOutput(f"{i:02x}" * 32, 0, data["depositAddress"], 50_000, 1),
            confirmations=3,
        )
    cs.put(f"{CRYPTOSHOP}/wallet", {"address": DOC_ADDRESS})
    for _ in range(3):
        cs.post(f"{CRYPTOSHOP}/wallet/withdrawals", {"amountBtc": "0.0002"})
    with django_assert_max_num_queries(12):
        view = wallet(cs)
    assert len(view["transactions"]) == 11
