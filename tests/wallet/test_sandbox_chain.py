"""The sandbox Bitcoin chain: deposits wait in the mempool until a block is mined; the ledger
reads it through the backend interface and hears of changes through `blocks_mined`."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.helpers.parallel import at_once
from wallet.chain import (
    ChainOutput,
    blocks_mined,
    confirmations,
    get_btc_backend,
    sandbox_chain_enabled,
)
from wallet.models import SandboxChainTip, SandboxChainTx
from wallet.sandbox_chain import (
    SandboxChain,
    SandboxChainError,
    sandbox_blocks_mine,
    sandbox_deposit_broadcast,
)

PAGE = "/pay/sandbox/btc/"
DEPOSITS = "/pay/sandbox/btc/deposits"
BLOCKS = "/pay/sandbox/btc/blocks"
ADDRESS = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
OTHER = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"


@pytest.fixture(autouse=True)
def _sandbox(settings):
    """Tests run with DEBUG off: the sandbox is allowed by PAYMENTS_SANDBOX, as in a demo."""
    settings.BTC_BACKEND = "sandbox"
    settings.PAYMENTS_SANDBOX = True


@pytest.fixture
def heard():
    """The `blocks_mined` signals received, as their `height`s."""
    heights: list[int] = []

    def receiver(sender, height, **kwargs):
        heights.append(height)

    blocks_mined.connect(receiver)
    yield heights
    blocks_mined.disconnect(receiver)


def post_json(path: str, body) -> object:
    return Client().post(path, body, content_type="application/json")


# --- the chain ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_deposit_waits_in_the_mempool_and_counts_confirmations_once_mined():
    chain = get_btc_backend()
    assert isinstance(chain, SandboxChain)
    assert chain.tip_height() == 0

    tx = sandbox_deposit_broadcast(address=ADDRESS, amount_sat=150_000)
    (output,) = chain.outputs_to([ADDRESS])
    assert output == ChainOutput(tx.txid, 0, ADDRESS, 150_000, None)
    assert confirmations(output, chain.tip_height()) == 0

    assert sandbox_blocks_mine(count=1) == 1
    (output,) = chain.outputs_to([ADDRESS])
    assert output.block_height == 1
    assert confirmations(output, chain.tip_height()) == 1

    assert sandbox_blocks_mine(count=5) == 6
    assert confirmations(chain.outputs_to([ADDRESS])[0], chain.tip_height()) == 6


@pytest.mark.django_db
def test_every_waiting_transaction_goes_into_the_first_new_block():
    sandbox_blocks_mine(count=3)
    first = sandbox_deposit_broadcast(address=ADDRESS, amount_sat=1)
    second = sandbox_deposit_broadcast(address=OTHER, amount_sat=2)

    assert sandbox_blocks_mine(count=4) == 7

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.block_height == second.block_height == 4
    assert [confirmations(o, 7) for o in SandboxChain().outputs_to([ADDRESS, OTHER])] == [4, 4]


@pytest.mark.django_db
def test_outputs_to_answers_only_the_addresses_asked_for():
    mine = sandbox_deposit_broadcast(address=ADDRESS, amount_sat=10)
    sandbox_deposit_broadcast(address=OTHER, amount_sat=20)

    assert [o.txid for o in SandboxChain().outputs_to([ADDRESS])] == [mine.txid]
    assert SandboxChain().outputs_to(["1BoatSLRHtKNngkdXEeobR76b53LETtpyT"]) == []
    assert SandboxChain().outputs_to([]) == []


@pytest.mark.django_db
def test_each_deposit_gets_a_fresh_txid():
    txids = {sandbox_deposit_broadcast(address=ADDRESS, amount_sat=1).txid for _ in range(5)}
    assert len(txids) == 5
    assert all(re.fullmatch(r"[0-9a-f]{64}", txid) for txid in txids)


def test_confirmations_are_never_negative():
    # an output read after the tip may sit in a block the tip did not know yet
    assert confirmations(ChainOutput("a" * 64, 0, ADDRESS, 1, 11), 10) == 0
    assert confirmations(ChainOutput("a" * 64, 0, ADDRESS, 1, None), 10) == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("address", "amount_sat"),
    [
        (ADDRESS, 0),
        (ADDRESS, -1),
        (ADDRESS, 21_000_000 * 100_000_000 + 1),
        ("", 1),
        ("bc1-q", 1),
        ("a" * 101, 1),
    ],
)
def test_a_deposit_breaking_the_rules_is_refused(address, amount_sat):
    with pytest.raises(SandboxChainError):
        sandbox_deposit_broadcast(address=address, amount_sat=amount_sat)
    assert not SandboxChainTx.objects.exists()


@pytest.mark.django_db
def test_blocks_mined_is_sent_after_commit(django_capture_on_commit_callbacks, heard):
    sandbox_blocks_mine(count=2)  # pytest's transaction never commits: nothing heard
    assert heard == []

    with django_capture_on_commit_callbacks(execute=True):
        sandbox_deposit_broadcast(address=ADDRESS, amount_sat=1)
        assert heard == []
    assert heard == [2]  # the tip when the deposit was broadcast

    with django_capture_on_commit_callbacks(execute=True):
        sandbox_blocks_mine(count=3)
        assert heard == [2]
    assert heard == [2, 5]


@pytest.mark.django_db
def test_a_failing_receiver_is_logged_and_the_chain_change_stands(
    django_capture_on_commit_callbacks, caplog
):
    def broken(sender, **kwargs):
        raise RuntimeError("broker down")

    blocks_mined.connect(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            height = sandbox_blocks_mine(count=1)
    finally:
        blocks_mined.disconnect(broken)
    assert height == 1
    assert SandboxChainTip.objects.get().height == 1
    assert "blocks_mined receiver" in caplog.text


# --- the JSON endpoints -----------------------------------------------------------------------


@pytest.mark.django_db
def test_post_deposit_answers_the_unconfirmed_transaction(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(DEPOSITS, {"address": ADDRESS, "amount_btc": "0.12345678"})

    assert response.status_code == 201, response.content
    body = response.json()
    tx = SandboxChainTx.objects.get()
    assert body == {
        "txid": tx.txid,
        "vout": 0,
        "address": ADDRESS,
        "amountBtc": "0.12345678",
        "confirmations": 0,
    }
    assert tx.amount_sat == 12_345_678
    assert tx.block_height is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "sat", "shown"),
    [
        (0.1, 10_000_000, "0.10000000"),  # a JSON number, read exactly (never a float)
        (1, 100_000_000, "1.00000000"),
        ("0.00000001", 1, "0.00000001"),
        ("21000000", 2_100_000_000_000_000, "21000000.00000000"),
    ],
)
def test_amount_btc_is_read_exactly(amount, sat, shown):
    response = post_json(DEPOSITS, {"address": ADDRESS, "amount_btc": amount})
    assert response.status_code == 201, response.content
    assert response.json()["amountBtc"] == shown
    assert SandboxChainTx.objects.get().amount_sat == sat


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"address": ADDRESS, "amount_btc": "0"},
        {"address": ADDRESS, "amount_btc": 0},
        {"address": ADDRESS, "amount_btc": "-0.1"},
        {"address": ADDRESS, "amount_btc": "abc"},
        {"address": ADDRESS, "amount_btc": "NaN"},
        {"address": ADDRESS, "amount_btc": "Infinity"},
        {"address": ADDRESS, "amount_btc": "0.000000001"},
        {"address": ADDRESS, "amount_btc": 0.123456789},
        {"address": ADDRESS, "amount_btc": "21000000.00000001"},
        {"address": ADDRESS, "amount_btc": "1e999999999"},
        {"address": ADDRESS, "amount_btc": True},
        {"address": ADDRESS, "amount_btc": ["1"]},
        {"address": ADDRESS},
        {"amount_btc": "0.1"},
        {"address": "", "amount_btc": "0.1"},
        {"address": "bc1q ar0s", "amount_btc": "0.1"},
        {"address": "a" * 101, "amount_btc": "0.1"},
        {"address": 12345, "amount_btc": "0.1"},
        ["not", "an", "object"],
    ],
)
def test_bad_deposits_answer_400_and_change_nothing(body):
    response = post_json(DEPOSITS, body)
    assert response.status_code == 400, response.content
    assert response.json()["error"]
    assert not SandboxChainTx.objects.exists()


@pytest.mark.django_db
def test_a_body_that_is_not_json_answers_400():
    response = Client().post(DEPOSITS, b"{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "the body must be a JSON object"


@pytest.mark.django_db
def test_post_blocks_mines_and_answers_the_new_height():
    sandbox_deposit_broadcast(address=ADDRESS, amount_sat=5)

    response = post_json(BLOCKS, {"count": 3})
    assert response.status_code == 201, response.content
    assert response.json() == {"height": 3, "mined": 3}
    assert SandboxChainTx.objects.get().block_height == 1

    response = post_json(BLOCKS, {})  # one block by default
    assert response.status_code == 201
    assert response.json() == {"height": 4, "mined": 1}


@pytest.mark.django_db
@pytest.mark.parametrize("count", [0, 101, -1, "x", 1.5, True, [1]])
def test_bad_block_counts_answer_400(count):
    response = post_json(BLOCKS, {"count": count})
    assert response.status_code == 400, response.content
    assert "count" in response.json()["error"]
    assert SandboxChain().tip_height() == 0


@pytest.mark.django_db
def test_the_json_endpoints_are_posted_to_without_a_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        DEPOSITS, {"address": ADDRESS, "amount_btc": "1"}, content_type="application/json"
    )
    assert response.status_code == 201
    assert client.post(BLOCKS, {}, content_type="application/json").status_code == 201
    assert client.get(BLOCKS).status_code == 405


# --- only while the sandbox chain is configured ------------------------------------------------


def _all_answer(status: int) -> None:
    client = Client()
    assert client.get(PAGE).status_code == status
    body = {"address": ADDRESS, "amount_btc": "1"}
    assert post_json(DEPOSITS, body).status_code == (201 if status == 200 else status)
    assert post_json(BLOCKS, {"count": 1}).status_code == (201 if status == 200 else status)


@pytest.mark.django_db
def test_nothing_exists_when_the_backend_is_esplora(settings):
    settings.BTC_BACKEND = "esplora"
    assert not sandbox_chain_enabled()
    _all_answer(404)
    assert not SandboxChainTx.objects.exists()
    assert post_json(DEPOSITS, {}).json() == {"error": "Not found"}


@pytest.mark.django_db
def test_nothing_exists_in_production_without_payments_sandbox(settings):
    settings.DEBUG = False
    settings.PAYMENTS_SANDBOX = False
    _all_answer(404)
    assert not SandboxChainTx.objects.exists()


@pytest.mark.django_db
def test_payments_sandbox_turns_it_on_in_production(settings):
    settings.DEBUG = False
    settings.PAYMENTS_SANDBOX = True
    _all_answer(200)


@pytest.mark.django_db
def test_without_payments_sandbox_it_follows_debug(settings, monkeypatch):
    monkeypatch.delenv("PAYMENTS_SANDBOX", raising=False)
    del settings.PAYMENTS_SANDBOX
    settings.DEBUG = True
    assert sandbox_chain_enabled()
    settings.DEBUG = False
    assert not sandbox_chain_enabled()


# --- the page for a person -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_shows_the_tip_and_the_last_transactions_with_their_confirmations():
    old = sandbox_deposit_broadcast(address=OTHER, amount_sat=250_000)
    sandbox_blocks_mine(count=2)
    new = sandbox_deposit_broadcast(address=ADDRESS, amount_sat=1)

    response = Client().get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<strong id="tip">2</strong>' in html
    assert [(t["tx"].txid, t["confirmations"]) for t in response.context["transactions"]] == [
        (new.txid, 0),
        (old.txid, 2),
    ]
    assert "0.00250000 BTC" in html
    assert "unconfirmed" in html
    assert 'name="csrfmiddlewaretoken"' in html


@pytest.mark.django_db
def test_the_page_lists_the_last_20_transactions_only():
    for _ in range(21):
        sandbox_deposit_broadcast(address=ADDRESS, amount_sat=1)
    assert len(Client().get(PAGE).context["transactions"]) == 20


@pytest.mark.django_db
def test_the_page_forms_send_a_deposit_and_mine_blocks_with_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    client.get(PAGE)
    token = client.cookies["csrftoken"].value

    assert client.post(PAGE, {"action": "mine", "count": "1"}).status_code == 403  # no token

    response = client.post(
        PAGE,
        {
            "csrfmiddlewaretoken": token,
            "action": "deposit",
            "address": f" {ADDRESS} ",
            "amount_btc": "0.001",
        },
        follow=True,
    )
    assert response.redirect_chain == [(PAGE, 302)]
    tx = SandboxChainTx.objects.get()
    assert (tx.address, tx.amount_sat) == (ADDRESS, 100_000)
    assert f"Broadcast {tx.txid}" in response.content.decode()

    response = client.post(
        PAGE, {"csrfmiddlewaretoken": token, "action": "mine", "count": "6"}, follow=True
    )
    assert "Mined up to block 6." in response.content.decode()
    assert response.context["transactions"][0]["confirmations"] == 6


@pytest.mark.django_db
def test_a_bad_form_shows_the_page_again_with_the_error():
    response = Client().post(PAGE, {"action": "deposit", "address": ADDRESS, "amount_btc": "0"})
    assert response.status_code == 400
    assert "more than 0" in response.content.decode()
    assert 'value="0"' in response.content.decode()  # what was typed is kept
    assert not SandboxChainTx.objects.exists()


# --- two miners at once ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not django_settings.USES_POSTGRES,
    reason="row locks (SELECT ... FOR UPDATE) are only real on PostgreSQL",
)
def test_miners_at_the_same_time_never_make_one_height_twice():
    sandbox_blocks_mine(count=1)  # the tip row exists: the race is over the lock, not the row
    heights = at_once(8, lambda: sandbox_blocks_mine(count=1))
    assert sorted(heights) == list(range(2, 10))
    assert SandboxChain().tip_height() == 9
