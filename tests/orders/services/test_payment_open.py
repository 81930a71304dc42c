"""An order's provider payment is opened by a task after the checkout answered, and its
`payment_url` is Duka's page of the order (orders.services.payment)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError
from django.test import Client
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from orders.models import Order
from orders.services.payment import order_payment_open, orders_payments_open_missed
from tests.conftest import CRYPTOSHOP
from tests.factories.catalog import ProductFactory
from tests.helpers.orders import (
    add_to_cart,
    buyers_with,
    checkout,
    local_path,
    page_path,
)
from tests.helpers.parallel import at_once
from tests.helpers.payments import click
from tests.helpers.wallet import fund
from wallet.models import PaymentAttempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """The orders whose payment was queued; the tasks do not run (a worker is slow)."""
    ids: list[int] = []
    for module in ("orders.services.checkout", "orders.services.payment"):
        monkeypatch.setattr(f"{module}.order_payment_open_soon", ids.append)
    return ids


@pytest.fixture
def placed(buyer_client, product, address, pay_method, queued) -> dict:
    add_to_cart(buyer_client, product)
    response = checkout(buyer_client, address, pay_method)
    assert response.status_code == 201
    return response.json()["data"]


def page(data: dict, **extra):
    return Client().get(local_path(data["payment_url"]), **extra)


def test_the_checkout_answers_before_the_provider_is_asked(placed, queued):
    order = Order.objects.get()
    assert queued == [order.pk]
    assert (order.status, order.payment_provider, order.payment_reference) == ("pending", "", "")
    assert not PaymentAttempt.objects.exists()
    assert placed["payment_url"] == f"{settings.PUBLIC_BASE_URL}/pay/{placed['order_id']}"


def test_the_page_waits_for_the_payment_then_leads_to_the_providers_page(placed):
    waiting = page(placed)
    assert waiting.status_code == 200
    assert b"Opening your payment" in waiting.content
    assert b'http-equiv="refresh"' in waiting.content
    assert order_payment_open(order_id=Order.objects.get().pk) is True
    attempt = PaymentAttempt.objects.get()
    opened = page(placed)
    assert (opened.status_code, opened["Location"]) == (302, attempt.payment_url)
    assert Order.objects.get().payment_reference == attempt.reference


def test_the_page_says_when_the_order_is_paid(placed):
    order_payment_open(order_id=Order.objects.get().pk)
    assert click(placed, "approve").status_code == 200
    shown = page(placed)
    assert shown.status_code == 200 and b"This order is paid" in shown.content
    assert b"refresh" not in shown.content


def test_a_declined_payment_cancels_the_order_and_the_page_says_so(placed):
    order_payment_open(order_id=Order.objects.get().pk)
    click(placed, "decline")
    assert Order.objects.get().status == "cancelled"
    assert b"could not be completed" in page(placed).content


def test_a_second_run_opens_no_second_payment(placed):
    order_id = Order.objects.get().pk
    assert order_payment_open(order_id=order_id) is True
    assert order_payment_open(order_id=order_id) is False
    assert PaymentAttempt.objects.count() == 1


def test_an_order_cancelled_before_its_task_ran_opens_nothing(placed, buyer_client):
    order = Order.objects.get()
    response = buyer_client.post(
        f"/techaven/api/orders/{placed['order_id']}/cancel", {"reason": "x"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert order_payment_open(order_id=order.pk) is False
    assert not PaymentAttempt.objects.exists()
    assert b"no longer awaits payment" in page(placed).content


def test_a_lost_task_is_queued_again_by_beat_and_by_the_page_once_a_minute(placed, queued):
    order = Order.objects.get()
    queued.clear()
    assert orders_payments_open_missed() == 0  # just placed: its task may still come
    assert page(placed).status_code == 200 and queued == []
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(seconds=20))
    assert orders_payments_open_missed() == 1
    for _ in range(3):  # the page reloads every 2 s, beat runs again: no flood of tasks
        assert page(placed).status_code == 200
    assert orders_payments_open_missed() == 0
    assert queued == [order.pk]
    cache.delete(f"orders:payment-requeued:{order.pk}")  # a minute later
    assert page(placed).status_code == 200 and queued == [order.pk, order.pk]
    order_payment_open(order_id=order.pk)
    queued.clear()
    cache.clear()
    assert orders_payments_open_missed() == 0  # claimed: never queued again
    assert page(placed).status_code == 302 and queued == []


def test_the_page_is_never_cached_and_answers_head(placed):
    assert "no-store" in page(placed)["Cache-Control"]
    assert Client().head(local_path(placed["payment_url"])).status_code == 200


def test_a_payment_method_deleted_before_the_task_ran_cancels_the_order(
    placed, pay_method, product
):
    pay_method.delete()
    assert order_payment_open(order_id=Order.objects.get().pk) is False
    order = Order.objects.get()
    assert (order.status, order.cancel_reason) == ("cancelled", "Payment failed")
    product.refresh_from_db()
    assert product.stock_quantity == 5  # given back
    assert not PaymentAttempt.objects.exists()
    assert b"could not be completed" in page(placed).content


def test_a_failure_before_anything_reached_the_provider_gives_the_claim_back(placed, monkeypatch):
    order_id = Order.objects.get().pk

    def database_blinked(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("orders.services.payment.payment_open", database_blinked)
    with pytest.raises(OperationalError):
        order_payment_open(order_id=order_id)
    assert Order.objects.get().payment_provider == ""  # beat will queue it again
    monkeypatch.undo()
    assert order_payment_open(order_id=order_id) is True


def test_a_bug_in_the_task_is_not_taken_for_a_broker_outage(
    buyer_client, product, address, pay_method, monkeypatch
):
    """Where tasks run eagerly (development, the tests) the task's own errors surface."""

    def bug(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("orders.services.payment.payment_open", bug)
    add_to_cart(buyer_client, product)
    assert checkout(buyer_client, address, pay_method).status_code == 500  # not a quiet 201


def test_a_broker_that_cannot_take_the_task_leaves_the_order_to_beat(
    buyer_client, product, address, pay_method, monkeypatch
):
    def broker_down(*args):
        raise KombuOperationalError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setattr("orders.tasks.order_payment_open_task.delay", broker_down)
    add_to_cart(buyer_client, product)
    assert checkout(buyer_client, address, pay_method).status_code == 201
    assert Order.objects.get().payment_provider == ""


def test_an_order_paid_from_the_wallet_has_no_payment_page(buyer, buyer_client, product, address):
    fund(buyer, 2_000_000)
    add_to_cart(buyer_client, product)
    response = buyer_client.post(
        "/techaven/api/orders",
        {"shipping_address_id": f"addr_{address.uid}", "payment_method_id": "wallet"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["data"]["payment_url"] is None
    order_id = response.json()["data"]["order_id"]
    assert Client().get(f"/pay/{order_id}").status_code == 404


def test_pages_of_no_order_are_not_found(placed):
    assert Client().get("/pay/ord_nosuchorder1").status_code == 404
    assert Client().get("/pay/nonsense").status_code == 404
    assert Client().post(local_path(placed["payment_url"])).status_code == 405


def test_a_cryptoshop_order_has_no_payment_page(cs_buyer, cs_product):
    line = {"productId": f"product_{cs_product.uid}", "quantity": 1}
    response = cs_buyer[1].post(f"{CRYPTOSHOP}/orders", {"items": [line]}, format="json")
    assert response.status_code == 201, response.content
    uid = Order.objects.get(storefront="cryptoshop").uid
    assert Client().get(f"/pay/ord_{uid}").status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not settings.USES_POSTGRES, reason="row locks are only real on PostgreSQL")
def test_two_workers_running_one_orders_task_at_once_open_one_payment(monkeypatch):
    product = ProductFactory(stock_quantity=10, price_minor=1000)
    [(client, address, method)] = buyers_with(product, 1)
    monkeypatch.setattr("orders.services.checkout.order_payment_open_soon", lambda pk: None)
    assert checkout(client, address, method).status_code == 201
    order_id = Order.objects.get().pk
    opened = at_once(4, lambda: order_payment_open(order_id=order_id))
    assert sorted(opened) == [False, False, False, True]
    assert PaymentAttempt.objects.filter(order_id=order_id).count() == 1
    assert page_path({"order_id": f"ord_{Order.objects.get().uid}"}).startswith("/pay/sandbox/")


def test_beat_queues_missed_payments_every_minute(settings):
    [job] = [
        job
        for job in settings.CELERY_BEAT_SCHEDULE.values()
        if job["task"] == "orders.tasks.orders_payments_open_missed_task"
    ]
    assert job["schedule"] == 60


def test_the_payments_queue_is_one_every_worker_consumes_by_default():
    """A worker started without `-Q` consumes every queue of `task_queues`: were the
    payments' queue left out, no payment would ever be opened."""
    from config.celery import app
    from orders.tasks import order_payment_open_task

    assert {queue.name for queue in app.conf.task_queues} == {"celery", "payments"}
    route = app.amqp.router.route({}, order_payment_open_task.name)
    assert route["queue"].name == "payments"
    assert (app.conf.worker_pool, app.conf.worker_concurrency) == ("threads", 16)
