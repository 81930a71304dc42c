"""Escrow services called as staff call them (no endpoint): settling a disputed or locked
escrow."""

from __future__ import annotations

import pytest

from escrow.models import Escrow
from escrow.services import escrow_resolve
from orders.models import Order
from support.models import TicketStatus
from tests.factories.accounts import StaffUserFactory
from tests.helpers.escrow import balance, confirm, dispute, release
from wallet.models import Account

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return StaffUserFactory(is_superuser=True)


def refund(staff) -> Escrow:
    return escrow_resolve(
        escrow_id=Escrow.objects.get().pk,
        action=Escrow.Resolution.REFUND,
        staff_user=staff,
        reason="Never delivered",
    )


def assert_refunded(buyer, cs_product) -> None:
    assert balance(buyer) == 1_000_000
    assert Account.objects.get(kind="escrow", currency="BTC").balance_minor == 0
    order = Order.objects.get()
    assert (order.status, order.refund_status) == ("refunded", "completed")
    assert [h.status for h in order.history.order_by("id")][-2:] == ["cancelled", "refunded"]
    cs_product.refresh_from_db()
    assert cs_product.stock_quantity == 5


@pytest.mark.parametrize("confirmed", [False, True], ids=["order paid", "order processing"])
def test_staff_refund_a_disputed_escrow_and_its_order_is_refunded(
    cs_buyer, cs_seller, cs_product, funded, order, staff, confirmed
):
    if confirmed:
        assert confirm(cs_seller[1], order).status_code == 200
    assert dispute(cs_buyer[1], funded["id"]).status_code == 200
    escrow = refund(staff)
    assert (escrow.status, escrow.resolution, escrow.resolved_by) == ("REFUNDED", "refund", staff)
    assert escrow.dispute_resolved is True
    assert escrow.ticket.status == TicketStatus.CLOSED
    assert_refunded(cs_buyer[0], cs_product)


def test_staff_refund_an_escrow_locked_by_wrong_codes(cs_buyer, cs_product, funded, staff):
    for _ in range(5):
        release(cs_buyer[1], funded["id"], code="wrong-code")
    assert Escrow.objects.get().is_locked
    escrow = refund(staff)
    assert escrow.status == "REFUNDED" and escrow.dispute_resolved is False
    assert_refunded(cs_buyer[0], cs_product)
