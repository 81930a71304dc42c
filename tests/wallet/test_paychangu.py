"""PayChangu as the provider behind Airtel Money and TNM Mpamba, against a local fake of its
HTTP API: checkout, webhooks settled only as verify-payment answers, reconcile, and refunds
paid out by mobile money."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone

from notifications.models import OutboxEvent
from orders.models import Order
from tests.conftest import TECHAVEN
from tests.factories.accounts import PaymentMethodFactory
from tests.helpers.orders import add_to_cart, checkout, local_path
from tests.helpers.paychangu_fake import AIRTEL_REF_ID, TNM_REF_ID, FakePayChangu
from tests.helpers.payments import past_grace, reconcile
from tests.helpers.wallet import topup
from wallet.models import PaymentAttempt
from wallet.paychangu import PayChanguProvider
from wallet.providers import PaymentStatus, ProviderUnavailable, get_provider
from wallet.services import topups_expire

pytestmark = pytest.mark.django_db

PAYCHANGU = "wallet.paychangu.PayChanguProvider"
TOTAL = 2 * 1_299_000 + 5000  # the `placed` order of tests/fixtures/orders.py


@pytest.fixture
def paychangu(settings):
    """PayChangu's API on 127.0.0.1, serving both mobile-money keys, as a deployment sets it."""
    fake = FakePayChangu().start()
    settings.PAYMENT_PROVIDERS = {"airtel_money": PAYCHANGU, "tnm_mpamba": PAYCHANGU}
    settings.PAYCHANGU_BASE_URL = fake.url
    settings.PAYCHANGU_SECRET_KEY = fake.secret_key
    settings.PAYCHANGU_WEBHOOK_SECRET = fake.webhook_secret
    yield fake
    fake.stop()


@pytest.fixture
def order(paychangu, buyer_client, product, address, pay_method):
    """A Techaven order of 2 × 1,299,000 MWK (+ 5,000 shipping), paid by Airtel Money."""
    add_to_cart(buyer_client, product, 2)
    response = checkout(buyer_client, address, pay_method)
    assert response.status_code == 201, response.json()
    return response.json()["data"]


def reference() -> str:
    return PaymentAttempt.objects.get(kind="payment").reference


def webhook(body: bytes, signature: str, provider: str = "airtel_money", header: str = "Signature"):
    """PayChangu's POST to the webhook URL set on its dashboard."""
    return Client().post(
        f"/pay/callback/{provider}",
        body,
        content_type="application/json",
        headers={header: signature},
    )


def detail(buyer_client, order) -> dict:
    response = buyer_client.get(f"{TECHAVEN}/orders/{order['order_id']}")
    assert response.status_code == 200
    return response.json()["data"]


def cancel(buyer_client, order) -> dict:
    response = buyer_client.post(
        f"{TECHAVEN}/orders/{order['order_id']}/cancel", {"reason": "Changed my mind"}
    )
    assert response.status_code == 200, response.json()
    return response.json()["data"]


def pay(paychangu, buyer_client, order) -> None:
    """The buyer pays on PayChangu's page and its webhook arrives."""
    paychangu.buyer_pays(reference())
    response = webhook(*paychangu.webhook(tx_ref=reference()))
    assert response.status_code == 200 and response.json()["status"] == "succeeded"
    assert detail(buyer_client, order)["is_paid"] is True


# --- checkout ------------------------------------------------------------------------------


def test_checkout_opens_a_hosted_checkout_for_our_reference_and_the_buyer_pays_there(
    paychangu, order, buyer_client, settings
):
    [request] = paychangu.calls("POST", "/payment")
    attempt = PaymentAttempt.objects.get()
    assert attempt.provider == "airtel_money" and attempt.reference.startswith("pch_")
    assert request.headers["authorization"] == f"Bearer {paychangu.secret_key}"
    assert request.headers["content-type"] == "application/json"
    assert request.json == {
        "amount": str(TOTAL),
        "currency": "MWK",
        "tx_ref": attempt.reference,
        "callback_url": f"{settings.PUBLIC_BASE_URL}/",
        "return_url": f"{settings.PUBLIC_BASE_URL}/",
        "customization": {"title": "Techaven", "description": f"Payment {attempt.reference}"},
    }
    # the order's page (Duka's) sends the buyer on to PayChangu's
    page = Client().get(local_path(order["payment_url"]))
    assert (page.status_code, page["Location"]) == (302, paychangu.checkout_url(attempt.reference))
    shown = detail(buyer_client, order)
    assert shown["status"] == "pending" and shown["is_paid"] is False


@pytest.mark.parametrize(
    "status, answer",
    [
        (500, {"status": "failed", "message": "Server Error", "data": None}),
        (400, {"status": "failed", "message": {"amount": ["The amount field is required."]}}),
        (200, {"status": "success", "message": "ok", "data": {"event": "checkout.session"}}),
        (200, "<html>Bad gateway</html>"),
    ],
    ids=["server-error", "refused", "no-checkout-url", "not-json"],
)
def test_a_checkout_paychangu_fails_refuses_or_garbles_raises_provider_unavailable(
    paychangu, status, answer
):
    paychangu.overrides[("POST", "/payment")] = (status, answer)
    with pytest.raises(ProviderUnavailable):
        PayChanguProvider("airtel_money").initiate(
            reference="pch_1", amount_minor=TOTAL, currency="MWK", phone="+265991234567"
        )


def test_a_checkout_that_cannot_reach_paychangu_raises_provider_unavailable(paychangu):
    paychangu.outage = True
    with pytest.raises(ProviderUnavailable):
        PayChanguProvider("airtel_money").initiate(
            reference="pch_1", amount_minor=TOTAL, currency="MWK", phone=""
        )


def test_without_a_secret_key_the_adapter_says_which_setting_is_missing(paychangu, settings):
    settings.PAYCHANGU_SECRET_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="PAYCHANGU_SECRET_KEY"):
        PayChanguProvider().initiate(reference="pch_1", amount_minor=1, currency="MWK", phone="")
    assert paychangu.requests == []


# --- webhooks: a hint, settled as verify-payment answers -----------------------------------


def test_a_webhook_with_a_bad_signature_is_refused_and_changes_nothing(
    paychangu, order, buyer_client
):
    paychangu.buyer_pays(reference())
    body, good = paychangu.webhook(tx_ref=reference())
    for signature in ("", "0" * 64, paychangu.sign(body + b" "), paychangu.sign(body, "other")):
        response = webhook(body, signature)
        assert response.status_code == 400 and response.json()["code"] == "BAD_SIGNATURE"
    # the right signature in the sandbox's header is not PayChangu's header
    assert webhook(body, good, header="X-Sandbox-Signature").status_code == 400
    assert PaymentAttempt.objects.get().status == "pending"
    assert detail(buyer_client, order)["is_paid"] is False
    assert paychangu.calls("GET", "/verify-payment/") == []  # not even asked


def test_without_a_webhook_secret_every_webhook_is_refused(paychangu, order, settings, caplog):
    settings.PAYCHANGU_WEBHOOK_SECRET = ""
    body, _ = paychangu.webhook(tx_ref=reference())
    with caplog.at_level(logging.ERROR, logger="wallet.paychangu"):
        assert webhook(body, paychangu.sign(body, "")).status_code == 400
    assert "PAYCHANGU_WEBHOOK_SECRET is not set" in caplog.text


def test_a_signed_webhook_that_verify_payment_confirms_marks_the_order_paid(
    paychangu, order, buyer_client, buyer
):
    paychangu.buyer_pays(reference())
    response = webhook(*paychangu.webhook(tx_ref=reference()))
    assert response.status_code == 200
    assert response.json() == {
        "ok": True, "reference": reference(), "status": "succeeded", "replayed": False,
    }  # fmt: skip
    [verify] = paychangu.calls("GET", f"/verify-payment/{reference()}")
    assert verify.headers["authorization"] == f"Bearer {paychangu.secret_key}"
    attempt = PaymentAttempt.objects.get()
    assert (attempt.status, attempt.settled_by) == ("succeeded", "callback")
    assert attempt.callback_payload["status_query"] == "succeeded"
    shown = detail(buyer_client, order)
    assert shown["is_paid"] is True and shown["status"] == "processing"
    assert [h["label"] for h in shown["status_history"]] == ["Order Placed", "Payment Received"]
    assert OutboxEvent.objects.filter(name="order.updated", user_id=buyer.pk).count() == 1


def test_a_webhook_claiming_success_that_verify_payment_says_failed_cancels_the_order(
    paychangu, order, buyer_client, product, caplog
):
    paychangu.set_transaction(reference(), status="failed")
    with caplog.at_level(logging.WARNING, logger="wallet.services.payments"):
        response = webhook(*paychangu.webhook(tx_ref=reference(), status="success"))
    assert response.status_code == 200 and response.json()["status"] == "failed"
    shown = detail(buyer_client, order)
    assert shown["status"] == "cancelled" and shown["is_paid"] is False
    assert shown["refund_status"] is None
    product.refresh_from_db()
    assert product.stock_quantity == 5
    assert f"says payment {reference()} succeeded, but airtel_money answers failed" in caplog.text


def test_money_taken_after_a_failed_try_goes_back_once_and_the_order_ends_refunded(
    paychangu, order, buyer_client, django_capture_on_commit_callbacks, caplog
):
    """PayChangu's page lets a buyer try again after a failed attempt, on the same tx_ref:
    the order was cancelled (stock back) when the first try failed, so money verify-payment
    later confirms goes back. It used to be answered as a replay and kept."""
    paychangu.set_transaction(reference(), status="failed")
    assert webhook(*paychangu.webhook(tx_ref=reference(), status="failed")).json()["status"] == (
        "failed"
    )
    assert detail(buyer_client, order)["status"] == "cancelled"
    paychangu.buyer_pays(reference())  # the second try on PayChangu's page goes through
    with caplog.at_level(logging.ERROR, logger="wallet.services.payments"):
        with django_capture_on_commit_callbacks(execute=True):
            response = webhook(*paychangu.webhook(tx_ref=reference()))
    assert response.status_code == 200
    assert response.json()["status"] == "failed" and response.json()["replayed"] is True
    assert f"money arrived for payment {reference()}, settled as failed" in caplog.text
    refund = PaymentAttempt.objects.get(kind="refund")
    assert refund.refund_of.reference == reference() and refund.amount_minor == TOTAL
    [payout] = paychangu.calls("POST", "/mobile-money/payouts/initialize")
    assert payout.json["charge_id"] == refund.reference and payout.json["amount"] == str(TOTAL)
    shown = detail(buyer_client, order)
    assert shown["status"] == "cancelled" and shown["refund_status"] == "processing"
    # the success webhook again (a replay): no second refund, verify-payment not asked again
    asked = len(paychangu.calls("GET", f"/verify-payment/{reference()}"))
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook(*paychangu.webhook(tx_ref=reference())).json()["replayed"] is True
    assert PaymentAttempt.objects.filter(kind="refund").count() == 1
    assert len(paychangu.calls("GET", f"/verify-payment/{reference()}")) == asked
    # the payout is made and its webhook completes the refund
    paychangu.payout_done(refund.reference)
    assert webhook(*paychangu.webhook(charge_id=refund.reference)).json()["status"] == ("succeeded")
    assert detail(buyer_client, order)["refund_status"] == "completed"
    assert Order.objects.get().status == "refunded"


def test_a_top_up_paid_after_it_expired_is_refunded_when_its_webhook_comes(
    paychangu, buyer_client, django_capture_on_commit_callbacks
):
    """An expired top-up is never credited; money verify-payment confirms for it goes back.
    Its webhook used to be answered as a replay, leaving the refund to reconcile."""
    assert topup(buyer_client, 10_000).status_code == 200
    attempt = PaymentAttempt.objects.get(kind="topup")
    paychangu.outage = True  # verify-payment cannot be asked before expiry: it expires
    PaymentAttempt.objects.update(created_at=timezone.now() - timedelta(hours=2))
    assert topups_expire() == 1
    paychangu.outage = False
    paychangu.buyer_pays(attempt.reference)
    with django_capture_on_commit_callbacks(execute=True):
        response = webhook(*paychangu.webhook(tx_ref=attempt.reference))
    assert response.status_code == 200 and response.json()["replayed"] is True
    [refund] = PaymentAttempt.objects.filter(kind="refund", refund_of=attempt)
    [payout] = paychangu.calls("POST", "/mobile-money/payouts/initialize")
    assert payout.json["charge_id"] == refund.reference and payout.json["amount"] == "10000"
    assert buyer_client.get(f"{TECHAVEN}/wallet").json()["data"]["balance"] == 0
    # a sender that replays it changes nothing
    assert webhook(*paychangu.webhook(tx_ref=attempt.reference)).json()["replayed"] is True
    assert PaymentAttempt.objects.filter(kind="refund").count() == 1


def test_a_webhook_claiming_success_that_verify_payment_says_pending_changes_nothing(
    paychangu, order, buyer_client, caplog
):
    with caplog.at_level(logging.WARNING, logger="wallet.services.payments"):
        response = webhook(*paychangu.webhook(tx_ref=reference(), status="success"))
    assert response.status_code == 200
    assert response.json()["status"] == "pending" and response.json()["replayed"] is False
    attempt = PaymentAttempt.objects.get()
    assert attempt.status == "pending" and attempt.settled_at is None
    shown = detail(buyer_client, order)
    assert shown["status"] == "pending" and shown["is_paid"] is False
    assert "answers pending: nothing settled; reconcile asks again" in caplog.text
    # the buyer finishes paying; PayChangu's next webhook settles it
    paychangu.buyer_pays(reference())
    assert webhook(*paychangu.webhook(tx_ref=reference())).json()["status"] == "succeeded"


@pytest.mark.parametrize(
    "verified, problem",
    [
        ({"amount": 1000}, "its amount is 1000, ours 2603000"),
        ({"currency": "USD"}, "its currency is 'USD', ours MWK"),
        ({"tx_ref": "pch_someone_else"}, "its tx_ref is 'pch_someone_else'"),
    ],
    ids=["amount", "currency", "reference"],
)
def test_a_verified_success_that_does_not_match_the_attempt_is_not_paid(
    paychangu, order, buyer_client, caplog, verified, problem
):
    paychangu.set_transaction(reference(), status="success", **verified)
    with caplog.at_level(logging.ERROR, logger="wallet.paychangu"):
        response = webhook(*paychangu.webhook(tx_ref=reference()))
    assert response.status_code == 200 and response.json()["status"] == "pending"
    assert PaymentAttempt.objects.get().status == "pending"
    assert detail(buyer_client, order)["is_paid"] is False
    assert problem in caplog.text and "a person must look at it" in caplog.text
    past_grace()
    assert reconcile() == {"pending": 1}  # reconcile does not take it as paid either


def test_when_verify_payment_cannot_be_reached_the_webhook_answers_503_and_changes_nothing(
    paychangu, order, buyer_client
):
    paychangu.buyer_pays(reference())
    body, signature = paychangu.webhook(tx_ref=reference())
    paychangu.outage = True
    response = webhook(body, signature)
    assert response.status_code == 503 and response.json()["code"] == "PROVIDER_UNAVAILABLE"
    assert PaymentAttempt.objects.get().status == "pending"
    assert detail(buyer_client, order)["is_paid"] is False
    # PayChangu retries a webhook that did not get a 200
    paychangu.outage = False
    assert webhook(body, signature).json()["status"] == "succeeded"
    assert detail(buyer_client, order)["is_paid"] is True


def test_a_replayed_webhook_settles_once(paychangu, order, buyer_client):
    paychangu.buyer_pays(reference())
    body, signature = paychangu.webhook(tx_ref=reference())
    assert webhook(body, signature).json()["replayed"] is False
    paid_at, events = Order.objects.get().paid_at, OutboxEvent.objects.count()
    assert webhook(body, signature).json()["replayed"] is True
    failed = paychangu.webhook(tx_ref=reference(), status="failed")
    assert webhook(*failed).json()["replayed"] is True
    order_row = Order.objects.get()
    assert (order_row.status, order_row.paid_at, order_row.history.count()) == ("paid", paid_at, 2)
    assert OutboxEvent.objects.count() == events
    assert len(paychangu.calls("GET", "/verify-payment/")) == 1  # replays are not asked about


def test_the_one_dashboard_webhook_url_settles_a_tnm_mpamba_payment_too(
    paychangu, buyer_client, buyer, product, address
):
    mpamba = PaymentMethodFactory(user=buyer, provider="TNM Mpamba", phone_number="+265881234567")
    add_to_cart(buyer_client, product)
    placed = checkout(buyer_client, address, mpamba).json()["data"]
    attempt = PaymentAttempt.objects.get()
    assert attempt.provider == "tnm_mpamba"
    paychangu.buyer_pays(attempt.reference)
    response = webhook(*paychangu.webhook(tx_ref=attempt.reference), provider="airtel_money")
    assert response.status_code == 200 and response.json()["status"] == "succeeded"
    assert PaymentAttempt.objects.get().provider == "tnm_mpamba"
    assert detail(buyer_client, placed)["is_paid"] is True


def test_a_webhook_for_a_reference_we_never_made_is_404(paychangu, order):
    paychangu.transactions["pch_stranger"] = dict(paychangu.transactions[reference()])
    response = webhook(*paychangu.webhook(tx_ref="pch_stranger"))
    assert response.status_code == 404 and response.json()["code"] == "UNKNOWN_REFERENCE"


# --- the status API and reconcile ----------------------------------------------------------


def test_payment_status_answers_from_verify_payment(paychangu, order):
    adapter = get_provider("airtel_money")
    assert adapter.payment_status(reference=reference()) == PaymentStatus.PENDING
    assert adapter.payment_status(reference="pch_never_heard_of") == PaymentStatus.UNKNOWN
    for theirs, ours in [("cancelled", "failed"), ("failed", "failed"), ("success", "succeeded")]:
        paychangu.set_transaction(reference(), status=theirs)
        assert adapter.payment_status(reference=reference()) == ours
    paychangu.outage = True
    with pytest.raises(ProviderUnavailable):
        adapter.payment_status(reference=reference())


def test_reconcile_settles_a_payment_whose_webhook_never_came_as_verify_payment_says(
    paychangu, order, buyer_client
):
    past_grace()
    assert reconcile() == {"pending": 1}
    paychangu.buyer_pays(reference())
    paychangu.outage = True
    assert reconcile() == {"unreachable": 1}
    paychangu.outage = False
    assert reconcile() == {"settled": 1}
    attempt = PaymentAttempt.objects.get()
    assert (attempt.status, attempt.settled_by) == ("succeeded", "reconcile")
    assert detail(buyer_client, order)["is_paid"] is True
    # the webhook finally arrives: a replay
    assert webhook(*paychangu.webhook(tx_ref=reference())).json()["replayed"] is True


# --- refunds: a mobile-money payout to the payer -------------------------------------------


def test_cancelling_a_paid_order_pays_the_refund_out_once_and_its_webhook_completes_it(
    paychangu, order, buyer_client, django_capture_on_commit_callbacks
):
    pay(paychangu, buyer_client, order)
    assert paychangu.calls("POST", "/mobile-money/payouts/initialize") == []
    with django_capture_on_commit_callbacks(execute=True):
        assert cancel(buyer_client, order)["refund_status"] == "processing"
    refund = PaymentAttempt.objects.get(kind="refund")
    assert refund.payer_phone == "+265991234567"
    [payout] = paychangu.calls("POST", "/mobile-money/payouts/initialize")
    assert payout.headers["authorization"] == f"Bearer {paychangu.secret_key}"
    assert payout.json == {
        "mobile_money_operator_ref_id": AIRTEL_REF_ID,
        "mobile": "0991234567",
        "amount": str(TOTAL),
        "charge_id": refund.reference,
    }
    # asked again (a retried task): PayChangu has it, so it is not asked for twice
    PayChanguProvider("airtel_money").payout_send(
        reference=refund.reference, amount_minor=TOTAL, currency="MWK", phone="+265991234567"
    )
    past_grace(kind="refund")
    assert reconcile() == {"pending": 1}  # the payout is still on its way
    assert len(paychangu.calls("POST", "/mobile-money/payouts/initialize")) == 1
    assert detail(buyer_client, order)["refund_status"] == "processing"

    # PayChangu pays it out and sends its payout webhook
    paychangu.payout_done(refund.reference)
    response = webhook(*paychangu.webhook(charge_id=refund.reference))
    assert response.status_code == 200 and response.json()["status"] == "succeeded"
    assert paychangu.calls("GET", f"/mobile-money/payments/{refund.reference}/details")
    refund.refresh_from_db()
    assert (refund.status, refund.settled_by) == ("succeeded", "callback")
    shown = detail(buyer_client, order)
    assert shown["refund_status"] == "completed" and shown["status"] == "cancelled"
    assert Order.objects.get().status == "refunded"
    assert reconcile() == {}


def test_a_payout_that_never_reached_paychangu_is_asked_for_again_by_reconcile(
    paychangu, order, buyer_client, django_capture_on_commit_callbacks, caplog
):
    pay(paychangu, buyer_client, order)
    paychangu.outage = True
    with caplog.at_level(logging.WARNING, logger="wallet.paychangu"):
        with django_capture_on_commit_callbacks(execute=True):
            assert (
                cancel(buyer_client, order)["refund_status"] == "processing"
            )  # the cancel still answers
    assert "payout" in caplog.text and "reconcile will retry it" in caplog.text
    paychangu.outage = False
    refund = PaymentAttempt.objects.get(kind="refund")
    assert get_provider("airtel_money").payment_status(reference=refund.reference) == "unknown"

    past_grace(kind="refund")
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile() == {"refund_requested": 1}
    [payout] = paychangu.calls("POST", "/mobile-money/payouts/initialize")
    assert payout.json["charge_id"] == refund.reference and payout.json["mobile"] == "0991234567"
    # its webhook is lost too: reconcile reads the payout's outcome from its details
    paychangu.payout_done(refund.reference)
    assert reconcile() == {"settled": 1}
    assert Order.objects.get().status == "refunded"
    assert detail(buyer_client, order)["refund_status"] == "completed"


def test_a_failed_payout_leaves_the_refund_failed(
    paychangu, order, buyer_client, django_capture_on_commit_callbacks
):
    pay(paychangu, buyer_client, order)
    with django_capture_on_commit_callbacks(execute=True):
        cancel(buyer_client, order)
    refund = PaymentAttempt.objects.get(kind="refund")
    paychangu.payout_done(refund.reference, status="failed")
    # the webhook claims success; the transfer's details say it failed
    response = webhook(*paychangu.webhook(charge_id=refund.reference, status="success"))
    assert response.json()["status"] == "failed"
    assert detail(buyer_client, order)["refund_status"] == "failed"


def test_staff_send_a_failed_refund_again_from_the_admin_and_it_completes(
    paychangu, order, buyer_client, admin_client, django_capture_on_commit_callbacks
):
    """A failed payout used to leave the buyer's money with us: staff could only mark the
    order refunded, which moves no money."""
    pay(paychangu, buyer_client, order)
    with django_capture_on_commit_callbacks(execute=True):
        cancel(buyer_client, order)
    first = PaymentAttempt.objects.get(kind="refund")
    paychangu.payout_done(first.reference, status="failed")
    webhook(*paychangu.webhook(charge_id=first.reference, status="failed"))
    assert detail(buyer_client, order)["refund_status"] == "failed"
    pk = Order.objects.get().pk

    def send_again() -> str:
        with django_capture_on_commit_callbacks(execute=True):
            page = admin_client.post(
                "/admin/orders/order/",
                {"action": "retry_refunds", "_selected_action": [pk]},
                follow=True,
            )
        return page.content.decode()

    assert "1 order(s) sent their refund again." in send_again()
    again = PaymentAttempt.objects.filter(kind="refund").exclude(pk=first.pk).get()
    assert again.refund_of_id == first.refund_of_id and again.amount_minor == TOTAL
    payouts = paychangu.calls("POST", "/mobile-money/payouts/initialize")
    assert [p.json["charge_id"] for p in payouts] == [first.reference, again.reference]
    assert detail(buyer_client, order)["refund_status"] == "processing"
    # only a failed refund is sent again: a second click is refused and sends nothing
    assert "Only a refund that failed can be sent again" in send_again()
    assert PaymentAttempt.objects.filter(kind="refund").count() == 2

    paychangu.payout_done(again.reference)
    webhook(*paychangu.webhook(charge_id=again.reference))
    assert detail(buyer_client, order)["refund_status"] == "completed"
    assert Order.objects.get().status == "refunded"


def test_a_tnm_number_is_paid_out_through_tnm_mpamba(paychangu):
    PayChanguProvider("tnm_mpamba").payout_send(
        reference="pch_refund", amount_minor=5000, currency="MWK", phone="+265 88 123 4567"
    )
    [payout] = paychangu.calls("POST", "/mobile-money/payouts/initialize")
    assert payout.json == {
        "mobile_money_operator_ref_id": TNM_REF_ID,
        "mobile": "0881234567",
        "amount": "5000",
        "charge_id": "pch_refund",
    }


def test_a_refund_without_a_mobile_money_number_is_not_paid_out_and_says_so(paychangu, caplog):
    with caplog.at_level(logging.ERROR, logger="wallet.paychangu"):
        with pytest.raises(ValueError, match="no Airtel or TNM number"):
            PayChanguProvider().payout_send(
                reference="pch_refund", amount_minor=5000, currency="MWK", phone=""
            )
    assert "a person must refund it" in caplog.text
    assert paychangu.requests == []
