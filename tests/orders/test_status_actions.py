"""The order actions a person takes (orders/services/status.py), called as services: what
each storefront's rules add to the transition table, and refusals that name the model's
fields, never a contract's."""

from __future__ import annotations

import pytest

from catalog.models import Product
from orders.errors import OrderError, OrderErrorCode
from orders.models import Order
from orders.services.status import (
    order_confirm,
    order_payment_confirm,
    order_payment_hash_check,
    order_refund_record,
    order_ship,
)
from orders.state import Actor
from tests.conftest import CRYPTOSHOP
from tests.factories.accounts import TechavenUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return TechavenUserFactory(is_staff=True)


@pytest.fixture
def techaven_order(placed) -> Order:
    return Order.objects.get(uid=placed["order_id"].removeprefix("ord_"))


@pytest.fixture
def cryptoshop_order(cs_buyer, cs_product) -> Order:
    response = cs_buyer[1].post(
        f"{CRYPTOSHOP}/orders",
        {"items": [{"productId": f"product_{cs_product.uid}", "quantity": 1}]},
        format="json",
    )
    assert response.status_code == 201
    return Order.objects.get(uid=response.json()["data"]["id"].removeprefix("order_"))


def refused(call) -> OrderError:
    with pytest.raises(OrderError) as caught:
        call()
    return caught.value


def test_techaven_staff_confirm_a_payment_by_its_hash(techaven_order, staff, product):
    error = refused(
        lambda: order_payment_confirm(
            order_id=techaven_order.pk, actor=Actor.STAFF, user=staff, payment_hash=""
        )
    )
    assert (error.code, error.field) == (OrderErrorCode.PAYMENT_HASH_REQUIRED, "payment_hash")
    order = order_payment_confirm(
        order_id=techaven_order.pk, actor=Actor.STAFF, user=staff, payment_hash="BANK-0042"
    )
    assert (order.status, order.is_paid, order.payment_hash) == ("paid", True, "BANK-0042")
    assert order.history.last().actor_role == "staff"
    assert Product.objects.get(pk=product.pk).sales_count == 2
    # once paid, a hash must be its own; its own one asks for a move that no longer exists
    error = refused(
        lambda: order_payment_confirm(
            order_id=order.pk, actor=Actor.STAFF, user=staff, payment_hash="BANK-0043"
        )
    )
    assert (error.code, error.field) == (OrderErrorCode.INVALID_TRANSITION, "payment_hash")
    error = refused(
        lambda: order_payment_confirm(
            order_id=order.pk, actor=Actor.STAFF, user=staff, payment_hash="BANK-0042"
        )
    )
    assert (error.code, error.details) == (
        OrderErrorCode.INVALID_TRANSITION,
        {"from": "Paid", "to": "Paid"},
    )


def test_cryptoshop_refuses_any_payment_confirmed_by_a_person(cryptoshop_order, staff):
    for payment_hash in ("", "tx123"):
        error = refused(
            lambda h=payment_hash: order_payment_confirm(
                order_id=cryptoshop_order.pk, actor=Actor.STAFF, user=staff, payment_hash=h
            )
        )
        assert (error.code, error.kind, error.field) == (
            OrderErrorCode.PAYMENT_NOT_VERIFIED,
            "conflict",
            "payment_hash",
        )
        assert "paymentHash" not in error.message
    cryptoshop_order.refresh_from_db()
    assert (cryptoshop_order.status, cryptoshop_order.is_paid) == ("pending", False)


def test_a_hash_given_with_another_move_pays_nothing(techaven_order, staff):
    # on either storefront: only order_payment_confirm takes a person's word for a payment
    error = refused(
        lambda: order_payment_hash_check(order_id=techaven_order.pk, payment_hash="BANK-1")
    )
    assert (error.code, error.field) == (OrderErrorCode.PAYMENT_NOT_VERIFIED, "payment_hash")
    order_payment_confirm(
        order_id=techaven_order.pk, actor=Actor.STAFF, user=staff, payment_hash="BANK-1"
    )
    order_payment_hash_check(order_id=techaven_order.pk, payment_hash="BANK-1")
    error = refused(
        lambda: order_payment_hash_check(order_id=techaven_order.pk, payment_hash="BANK-2")
    )
    assert (error.code, error.field) == (OrderErrorCode.INVALID_TRANSITION, "payment_hash")
    assert Order.objects.get().history.count() == 2


def test_techaven_ships_with_tracking_and_cryptoshop_without(
    techaven_order, cryptoshop_order, staff
):
    Order.objects.update(status="processing", is_paid=True)
    error = refused(
        lambda: order_ship(
            order_id=techaven_order.pk, actor=Actor.STAFF, user=staff, tracking_number="T1"
        )
    )
    assert (error.code, error.field) == (OrderErrorCode.TRACKING_REQUIRED, "tracking_url")
    order = order_ship(
        order_id=techaven_order.pk, actor=Actor.STAFF, user=staff,
        tracking_number=" T1 ", tracking_url=" https://track.example.com/T1 ",
    )  # fmt: skip
    assert (order.tracking_number, order.tracking_url) == ("T1", "https://track.example.com/T1")
    assert order.history.last().note == "Tracking number T1"
    order = order_ship(order_id=cryptoshop_order.pk, actor=Actor.STAFF, user=staff)
    assert (order.status, order.tracking_number) == ("shipped", "")


def test_refusals_name_statuses_in_the_storefronts_words(techaven_order, cryptoshop_order):
    error = refused(lambda: order_confirm(order_id=techaven_order.pk, actor=Actor.SELLER))
    assert error.message == "An order that is pending cannot become processing"
    assert (error.field, error.details) == ("status", {"from": "Pending", "to": "Processing"})
    error = refused(lambda: order_confirm(order_id=cryptoshop_order.pk, actor=Actor.SELLER))
    assert error.message == "An order that is pending cannot become confirmed"
    assert error.details == {"from": "PENDING", "to": "CONFIRMED"}


def test_only_staff_and_the_system_record_a_refund_of_what_was_paid(techaven_order, staff):
    Order.objects.update(status="cancelled")
    error = refused(lambda: order_refund_record(order_id=techaven_order.pk, actor=Actor.BUYER))
    assert (error.code, error.kind) == (OrderErrorCode.TRANSITION_NOT_PERMITTED, "forbidden")
    assert error.message == "The buyer may not mark this order refunded"
    unpaid = refused(
        lambda: order_refund_record(order_id=techaven_order.pk, actor=Actor.STAFF, user=staff)
    )
    assert unpaid.code == OrderErrorCode.INVALID_TRANSITION  # nothing was paid: stays cancelled
    # paid after it was cancelled, and the provider failed to pay the refund out: staff
    # paid it back themselves and record it
    Order.objects.update(refund_status="failed")
    order = order_refund_record(order_id=techaven_order.pk, actor=Actor.STAFF, user=staff)
    assert order.status == "refunded"
