"""Nothing lost: a payment or refund whose callback or Celery task was lost is settled by
reconcile asking the provider's status API, through the callback's own path, exactly once."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from notifications.models import OutboxEvent
from orders.models import Order
from orders.tasks import orders_expire_unpaid
from tests.conftest import TECHAVEN
from tests.helpers.orders import add_to_cart, checkout, page_path
from tests.helpers.payments import click, lost_on_the_way, past_grace, reconcile, signed_callback
from wallet import sandbox
from wallet.models import PaymentAttempt, SandboxPayment
from wallet.providers import PaymentStatus, SandboxProvider, get_provider
from wallet.tasks import sandbox_refund_settle

pytestmark = pytest.mark.django_db


def order_detail(buyer_client, placed) -> dict:
    response = buyer_client.get(f"{TECHAVEN}/orders/{placed['order_id']}")
    assert response.status_code == 200
    return response.json()["data"]


# --- the provider's side and its status API ---------------------------------------------


def test_payment_status_answers_from_the_sandbox_records(placed):
    attempt = PaymentAttempt.objects.get()
    adapter = get_provider(attempt.provider)
    assert adapter.payment_status(reference=attempt.reference) == PaymentStatus.PENDING
    assert adapter.payment_status(reference="sbx_never_heard_of") == PaymentStatus.UNKNOWN
    click(placed, "decline")
    assert adapter.payment_status(reference=attempt.reference) == PaymentStatus.FAILED


def test_a_lost_callback_leaves_the_decision_recorded_and_the_page_shows_it(
    buyer_client, placed, callbacks_lost
):
    response = click(placed, "approve")
    assert response.status_code == 200 and "Payment approved" in response.content.decode()
    record = SandboxPayment.objects.get()
    assert record.decision == "approved" and record.decided_at is not None
    # Duka heard nothing yet
    assert PaymentAttempt.objects.get().status == "pending"
    assert order_detail(buyer_client, placed)["is_paid"] is False
    # the page answers from the sandbox's record: no buttons to click twice
    html = Client().get(page_path(placed)).content.decode()
    assert "Payment approved" in html and 'value="approve"' not in html


def test_a_second_click_keeps_the_first_decision_and_sends_its_callback_again(placed):
    first = click(placed, "approve")
    assert "Payment approved" in first.content.decode()
    again = click(placed, "decline")
    assert "Payment approved" in again.content.decode()
    assert SandboxPayment.objects.get().decision == "approved"
    assert Order.objects.get().status == "paid"


# --- payments ------------------------------------------------------------------------------


def test_lost_callback_then_reconcile_marks_the_order_paid(
    buyer_client, buyer, placed, callbacks_lost, caplog
):
    click(placed, "approve")
    assert reconcile() == {}  # within the grace period nobody is asked
    assert PaymentAttempt.objects.get().status == "pending"

    past_grace()
    with caplog.at_level(logging.INFO, logger="wallet.services.reconcile"):
        assert reconcile() == {"settled": 1}
    attempt = PaymentAttempt.objects.get()
    assert (attempt.status, attempt.settled_by) == ("succeeded", "reconcile")
    assert attempt.callback_payload == {"status_query": "succeeded"}
    detail = order_detail(buyer_client, placed)
    assert detail["is_paid"] is True and detail["status"] == "processing"
    assert [h["label"] for h in detail["status_history"]] == ["Order Placed", "Payment Received"]
    # the buyer is told once, as by a callback
    assert OutboxEvent.objects.filter(name="order.updated", user_id=buyer.pk).count() == 1
    assert (
        f"reconcile settled payment {attempt.reference} (order {placed['order_number']}) "
        "as succeeded" in caplog.text
    )
    assert reconcile() == {}  # settled: never asked again


def test_declined_with_a_lost_callback_reconcile_fails_it_and_returns_stock(
    buyer_client, placed, product, callbacks_lost
):
    click(placed, "decline")
    past_grace()
    assert reconcile() == {"settled": 1}
    attempt = PaymentAttempt.objects.get()
    assert (attempt.status, attempt.settled_by) == ("failed", "reconcile")
    detail = order_detail(buyer_client, placed)
    assert detail["status"] == "cancelled" and detail["is_paid"] is False
    assert detail["refund_status"] is None
    product.refresh_from_db()
    assert product.stock_quantity == 5


def test_replays_after_reconcile_change_nothing(placed, monkeypatch):
    real_deliver = sandbox.callback_deliver
    monkeypatch.setattr(sandbox, "callback_deliver", lost_on_the_way)
    click(placed, "approve")
    past_grace()
    reconcile()
    order = Order.objects.get()
    events = OutboxEvent.objects.count()
    reference = PaymentAttempt.objects.get().reference

    # the provider's own callback finally arrives, is retried, and a contradicting signed
    # "failed" one comes too: all are replays
    for succeeded in (True, True, False):
        response = signed_callback(reference, succeeded=succeeded)
        assert response.status_code == 200 and response.json()["replayed"] is True
    monkeypatch.setattr(sandbox, "callback_deliver", real_deliver)
    click(placed, "approve")  # the sandbox sends its callback again
    assert reconcile() == {}

    fresh = Order.objects.get()
    assert (fresh.status, fresh.paid_at, fresh.history.count()) == ("paid", order.paid_at, 2)
    assert OutboxEvent.objects.count() == events
    assert PaymentAttempt.objects.get().settled_by == "reconcile"
    assert PaymentAttempt.objects.count() == 1  # no refund was started


def test_provider_still_pending_changes_nothing(buyer_client, placed):
    past_grace()
    before = OutboxEvent.objects.count()
    assert reconcile() == {"pending": 1}
    attempt = PaymentAttempt.objects.get()
    assert attempt.status == "pending" and attempt.settled_at is None
    assert attempt.status_checked_at is not None
    detail = order_detail(buyer_client, placed)
    assert detail["status"] == "pending" and detail["is_paid"] is False
    assert OutboxEvent.objects.count() == before
    assert reconcile() == {"pending": 1}  # asked again on the next run
    # the buyer answers at last: the callback settles it as usual
    click(placed, "approve")
    assert PaymentAttempt.objects.get().settled_by == "callback"
    assert reconcile() == {}


def test_a_provider_that_cannot_be_asked_is_skipped_and_asked_again(placed, settings, caplog):
    settings.PAYMENT_PROVIDERS = {
        "airtel_money": "tests.wallet.services.test_reconcile.StatusApiDown"
    }
    past_grace()
    with caplog.at_level(logging.WARNING, logger="wallet.services.reconcile"):
        assert reconcile() == {"unreachable": 1}
    assert "could not ask airtel_money" in caplog.text
    assert PaymentAttempt.objects.get().status == "pending"
    assert Order.objects.get().status == "pending"


class StatusApiDown(SandboxProvider):
    """A provider whose status API does not answer."""

    def payment_status(self, *, reference: str) -> PaymentStatus:
        raise ConnectionError("status API timed out")


def test_payments_older_than_the_max_age_are_no_longer_asked(placed, callbacks_lost):
    click(placed, "approve")
    PaymentAttempt.objects.update(created_at=timezone.now() - timedelta(days=8))
    assert reconcile() == {}
    # its callback may still come: it settles as ever
    reference = PaymentAttempt.objects.get().reference
    assert signed_callback(reference, succeeded=True).json()["replayed"] is False


def test_least_recently_asked_go_first_when_a_run_has_more_than_a_batch(
    placed, buyer_client, product, address, pay_method, settings
):
    add_to_cart(buyer_client, product)
    assert checkout(buyer_client, address, pay_method).status_code == 201
    settings.PAYMENTS_RECONCILE_BATCH_SIZE = 1
    past_grace()
    first, second = PaymentAttempt.objects.order_by("created_at", "pk")
    assert reconcile() == {"pending": 1}
    assert reconcile() == {"pending": 1}
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status_checked_at is not None and second.status_checked_at is not None


# --- refunds -------------------------------------------------------------------------------


def cancel(buyer_client, placed):
    response = buyer_client.post(
        f"{TECHAVEN}/orders/{placed['order_id']}/cancel", {"reason": "Changed my mind"}
    )
    assert response.status_code == 200, response.json()
    return response.json()["data"]


def test_lost_refund_task_is_sent_again_by_reconcile_and_completes(
    buyer_client, placed, broker_down, django_capture_on_commit_callbacks, caplog
):
    click(placed, "approve")
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = cancel(buyer_client, placed)  # the refund request is lost: the broker is down
    assert cancelled["refund_status"] == "processing"
    refund = PaymentAttempt.objects.get(kind="refund")
    adapter = get_provider(refund.provider)
    assert adapter.payment_status(reference=refund.reference) == PaymentStatus.UNKNOWN

    past_grace(kind="refund")
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile() == {"refund_requested": 1}  # sent again, lost again
    assert order_detail(buyer_client, placed)["refund_status"] == "processing"

    broker_down.undo()  # the broker is back
    with caplog.at_level(logging.INFO, logger="wallet.services.reconcile"):
        with django_capture_on_commit_callbacks(execute=True):
            assert reconcile() == {"refund_requested": 1}
    assert f"reconcile asked airtel_money again for refund {refund.reference}" in caplog.text
    refund.refresh_from_db()
    assert refund.status == "succeeded" and refund.settled_by == "callback"
    detail = order_detail(buyer_client, placed)
    assert detail["refund_status"] == "completed" and detail["status"] == "cancelled"
    assert Order.objects.get().status == "refunded"
    assert SandboxPayment.objects.get(reference=refund.reference).decision == "approved"
    assert reconcile() == {}


def test_a_refund_whose_callback_was_lost_is_settled_from_the_provider_status(
    buyer_client, placed, django_capture_on_commit_callbacks, monkeypatch
):
    click(placed, "approve")
    monkeypatch.setattr(sandbox, "callback_deliver", lost_on_the_way)
    with django_capture_on_commit_callbacks(execute=True):
        cancel(buyer_client, placed)  # the sandbox pays the refund out, its callback is lost
    refund = PaymentAttempt.objects.get(kind="refund")
    assert refund.status == "pending"
    assert SandboxPayment.objects.get(reference=refund.reference).decision == "approved"
    past_grace(kind="refund")
    assert reconcile() == {"settled": 1}
    refund.refresh_from_db()
    assert (refund.status, refund.settled_by) == ("succeeded", "reconcile")
    assert order_detail(buyer_client, placed)["refund_status"] == "completed"
    assert Order.objects.get().status == "refunded"


def test_a_refund_request_sent_twice_pays_out_once(
    placed, buyer_client, django_capture_on_commit_callbacks
):
    click(placed, "approve")
    with django_capture_on_commit_callbacks(execute=True):
        cancel(buyer_client, placed)
    refund = PaymentAttempt.objects.get(kind="refund")
    # a redelivered task (or a second request) finds the refund paid and sends a replay
    sandbox_refund_settle.delay(refund.provider, refund.reference, refund.amount_minor, "MWK")
    assert SandboxPayment.objects.filter(reference=refund.reference).count() == 1
    assert Order.objects.get().history.filter(status="refunded").count() == 1


# --- unpaid-order expiry -----------------------------------------------------------------


def overdue() -> None:
    Order.objects.update(expires_at=timezone.now() - timedelta(seconds=1))


def test_expiry_asks_the_provider_first_and_a_paid_order_stays_paid(
    buyer_client, placed, product, callbacks_lost
):
    click(placed, "approve")  # within the grace period: reconcile has not run yet
    overdue()
    assert orders_expire_unpaid.delay().get() == 0
    detail = order_detail(buyer_client, placed)
    assert detail["is_paid"] is True and detail["status"] == "processing"
    assert PaymentAttempt.objects.get().settled_by == "reconcile"
    assert not PaymentAttempt.objects.filter(kind="refund").exists()
    product.refresh_from_db()
    assert product.stock_quantity == 3  # still sold


def test_expiry_of_an_order_the_provider_still_awaits_cancels_it(buyer_client, placed, product):
    overdue()
    assert orders_expire_unpaid.delay().get() == 1
    detail = order_detail(buyer_client, placed)
    assert detail["status"] == "cancelled" and detail["is_paid"] is False
    assert PaymentAttempt.objects.get().status == "pending"
    product.refresh_from_db()
    assert product.stock_quantity == 5


def test_expiry_of_a_declined_order_with_a_lost_callback_records_the_failed_payment(
    placed, callbacks_lost
):
    click(placed, "decline")
    overdue()
    assert orders_expire_unpaid.delay().get() == 0  # cancelled as a failed payment instead
    order = Order.objects.get()
    assert (order.status, order.cancel_reason) == ("cancelled", "Payment failed")
    assert PaymentAttempt.objects.get().status == "failed"


# --- configuration -------------------------------------------------------------------------


def test_beat_runs_reconcile_every_few_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["wallet-reconcile-payments"]
    assert entry["task"] == "wallet.tasks.payments_reconcile"
    assert entry["schedule"] == 180.0


def test_the_grace_period_is_a_setting(placed, settings, callbacks_lost):
    click(placed, "approve")
    settings.PAYMENTS_RECONCILE_GRACE_MINUTES = 0
    assert reconcile() == {"settled": 1}
