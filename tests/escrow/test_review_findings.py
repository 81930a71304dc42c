"""What a review of the money code found, each held by a test (they failed before the fix)."""

from __future__ import annotations

import pytest

from escrow.models import Escrow
from escrow.services import escrow_dispute
from orders.models import Order
from support.models import Ticket
from tests.conftest import CRYPTOSHOP
from tests.helpers.escrow import confirm, create_escrow, dispute, release
from tests.helpers.orders import fund_btc
from tests.helpers.wallet import fund
from wallet.models import LedgerTransaction

pytestmark = pytest.mark.django_db


def put(client, order_id, status):
    return client.put(f"{CRYPTOSHOP}/orders/{order_id}", {"status": status}, format="json")


def test_an_order_cannot_complete_while_its_escrow_holds_the_money(
    cs_buyer, cs_seller, funded, order
):
    """The buyer used to complete a delivered order with the seller unpaid; a staff refund
    of the escrow then failed (a completed order cannot be cancelled)."""
    confirm(cs_seller[1], order)
    put(cs_seller[1], order, "SHIPPED")
    put(cs_seller[1], order, "DELIVERED")
    r = put(cs_buyer[1], order, "COMPLETED")
    assert r.status_code == 409 and r.json()["code"] == "HELD_IN_ESCROW"
    assert Order.objects.get().status == "delivered"
    assert dispute(cs_buyer[1], funded["id"]).status_code == 200


def test_a_release_code_with_surrounding_spaces_releases(cs_buyer, order):
    fund_btc(cs_buyer[0], 1_000_000)
    escrow = create_escrow(cs_buyer[1], order, code=" secret-code ").json()["data"]
    r = release(cs_buyer[1], escrow["id"], code=" secret-code ")
    assert r.status_code == 200, r.json()


def test_a_release_code_over_bcrypts_72_bytes_is_a_clean_400(cs_buyer, order):
    fund_btc(cs_buyer[0], 1_000_000)
    r = create_escrow(cs_buyer[1], order, code="€" * 30)  # 30 characters, 90 bytes
    assert r.status_code == 400 and r.json()["code"] == "RELEASE_CODE_INVALID"
    funded = create_escrow(cs_buyer[1], order).json()["data"]
    r = release(cs_buyer[1], funded["id"], code="€" * 30)
    assert r.status_code == 400 and r.json()["code"] == "RELEASE_CODE_INVALID"


def test_a_dispute_that_loses_the_race_closes_its_ticket(cs_buyer, cs_seller, funded, monkeypatch):
    """The ticket is opened before the escrow's lock is taken; a release landing in between
    wins, and the dispute's ticket must not stay open for both parties."""
    import escrow.services as services

    real_create = services.ticket_create

    def release_meanwhile(**kwargs):
        ticket = real_create(**kwargs)
        assert release(cs_buyer[1], funded["id"]).status_code == 200
        return ticket

    monkeypatch.setattr(services, "ticket_create", release_meanwhile)
    with pytest.raises(services.EscrowError) as refused:
        escrow_dispute(
            user=cs_seller[0], escrow_uid=funded["id"].removeprefix("escrow_"), reason="x"
        )
    assert refused.value.code == "NOT_DISPUTABLE"
    assert Ticket.objects.get().status == "CLOSED"
    assert Escrow.objects.get().status == "RELEASED"


def test_an_adjustment_form_submitted_twice_posts_once(admin_client):
    from tests.factories.accounts import TechavenUserFactory

    wallet = fund(TechavenUserFactory(), 5_000)
    url = f"/admin/wallet/account/{wallet.pk}/adjust/"
    form = admin_client.get(url).context["form"]
    key = form.initial["request_key"]
    for _ in range(2):  # a double click, or the browser sending the form again
        body = {"amount": "1000", "reason": "Goodwill credit", "request_key": key}
        assert admin_client.post(url, body).status_code == 302
    wallet.refresh_from_db()
    assert LedgerTransaction.objects.filter(kind="adjustment").count() == 1
    assert wallet.balance_minor == 6_000
