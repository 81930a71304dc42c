"""Reconcile racing the provider's own callback, with real threads against PostgreSQL row
locks: each payment and refund is settled once, whichever reaches the row lock first."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import connection, transaction
from rest_framework.test import APIClient

from catalog.models import Product
from notifications.models import OutboxEvent
from orders.models import Order
from tests.conftest import TECHAVEN
from tests.factories.catalog import ProductFactory
from tests.helpers.orders import buyers_with, checkout
from tests.helpers.payments import click, lost_on_the_way, signed_callback
from tests.helpers.races import _wait_until_blocked
from wallet import sandbox
from wallet.models import PaymentAttempt
from wallet.services import ReconcileResult, payment_reconcile

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.USES_POSTGRES,
        reason="row locks (SELECT ... FOR UPDATE) are only real on PostgreSQL",
    ),
]

Call = Callable[[], str]


def callback(reference: str) -> Call:
    """The provider's signed callback, over HTTP."""

    def call() -> str:
        response = signed_callback(reference, succeeded=True)
        assert response.status_code == 200, response.content
        return "replayed" if response.json()["replayed"] else "settled"

    return call


def reconcile(reference: str) -> Call:
    """Reconcile's question to the provider for this attempt, and what follows."""

    def call() -> str:
        result = payment_reconcile(reference=reference)
        return "settled" if result == ReconcileResult.SETTLED else str(result)

    return call


def race(reference: str, first: list[Call], then: list[Call]) -> list[str]:
    """Run every call in its own thread (its own database connection) while the attempt's
    row is held locked: the `first` calls queue for the lock, then the `then` calls. Once
    all wait the lock is released. Every call has seen the attempt pending (reconcile has
    asked the provider already), so only the row lock can keep the settlement single."""
    calls = first + then
    results: list = [None] * len(calls)

    def run(i: int) -> None:
        try:
            results[i] = calls[i]()
        except Exception as exc:  # kept for the assertion below, never swallowed
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    with transaction.atomic():
        PaymentAttempt.objects.select_for_update().get(reference=reference)
        for t in threads[: len(first)]:
            t.start()
        _wait_until_blocked(len(first))
        for t in threads[len(first) :]:
            t.start()
        _wait_until_blocked(len(calls))
    for t in threads:
        t.join()
    assert not [r for r in results if isinstance(r, Exception)], results
    return results


def approved_with_lost_callbacks(n: int, monkeypatch) -> list[tuple[APIClient, str]]:
    """n orders (buyer's client, order id) whose buyers approved on the sandbox page while
    the callbacks were lost."""
    product = ProductFactory(stock_quantity=50, price_minor=10_000)
    placed = []
    for client, address, method in buyers_with(product, n):
        response = checkout(client, address, method)
        assert response.status_code == 201
        placed.append((client, response.json()["data"]))
    with monkeypatch.context() as m:
        m.setattr(sandbox, "callback_deliver", lost_on_the_way)
        for _, data in placed:
            click(data, "approve")
    assert not PaymentAttempt.objects.exclude(status="pending").exists()
    return [(client, data["order_id"]) for client, data in placed]


def payment_of(order_id: str) -> str:
    return Order.objects.get(uid=order_id.removeprefix("ord_")).payment_reference


@pytest.mark.parametrize("winner", ["callback", "reconcile"])
def test_reconcile_racing_the_callback_settles_each_payment_once(monkeypatch, winner):
    for _, order_id in approved_with_lost_callbacks(3, monkeypatch):
        ref = payment_of(order_id)
        callbacks, reconciles = [callback(ref), callback(ref)], [reconcile(ref), reconcile(ref)]
        first, then = (callbacks, reconciles) if winner == "callback" else (reconciles, callbacks)
        outcomes = race(ref, first, then)
        assert outcomes.count("settled") == 1 and "settled" in outcomes[: len(first)], outcomes
        assert PaymentAttempt.objects.get(reference=ref).settled_by == winner

    for order in Order.objects.all():
        assert order.status == "paid"
        assert order.history.filter(status="paid").count() == 1
        told = OutboxEvent.objects.filter(name="order.updated", user_id=order.buyer_id)
        assert told.count() == 1
    assert not PaymentAttempt.objects.filter(kind="refund").exists()
    product = Product.objects.get()
    assert (product.stock_quantity, product.sales_count) == (47, 3)


@pytest.mark.parametrize("winner", ["callback", "reconcile"])
def test_reconcile_racing_a_refund_callback_settles_the_refund_once(monkeypatch, winner):
    placed = approved_with_lost_callbacks(2, monkeypatch)
    for _, order_id in placed:
        assert signed_callback(payment_of(order_id), succeeded=True).status_code == 200
    monkeypatch.setattr(sandbox, "callback_deliver", lost_on_the_way)
    for client, order_id in placed:
        # the sandbox pays the refund out; its callback is lost
        response = client.post(f"{TECHAVEN}/orders/{order_id}/cancel", {"reason": "No longer"})
        assert response.json()["data"]["refund_status"] == "processing"
    refunds = list(PaymentAttempt.objects.filter(kind="refund", status="pending"))
    assert len(refunds) == 2
    for refund in refunds:
        ref = refund.reference
        callbacks, reconciles = [callback(ref)], [reconcile(ref), reconcile(ref)]
        first, then = (callbacks, reconciles) if winner == "callback" else (reconciles, callbacks)
        outcomes = race(ref, first, then)
        assert outcomes.count("settled") == 1 and "settled" in outcomes[: len(first)], outcomes
        assert PaymentAttempt.objects.get(reference=ref).settled_by == winner

    for order in Order.objects.all():
        assert (order.status, order.refund_status) == ("refunded", "completed")
        assert order.history.filter(status="refunded").count() == 1
