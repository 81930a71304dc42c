import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from core.storefront import Storefront
from notifications.models import OutboxEvent
from orders.models import Coupon, Order
from tests.conftest import TECHAVEN
from tests.helpers.orders import add_to_cart, checkout, page_path
from wallet.models import PaymentAttempt
from wallet.providers import SIGNATURE_HEADER, SandboxProvider, get_provider, provider_key

pytestmark = pytest.mark.django_db


def callback(body: bytes, signature: str, provider="airtel_money"):
    return Client().post(
        f"/pay/callback/{provider}",
        body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: signature},
    )


def test_airtel_and_mpamba_are_served_by_the_sandbox():
    assert provider_key("Airtel Money") == "airtel_money"
    assert provider_key("TNM Mpamba") == "tnm_mpamba"
    assert provider_key("Something Else") == "sandbox"
    assert isinstance(get_provider("tnm_mpamba"), SandboxProvider)


def test_payment_page_shows_the_order_and_approve_marks_it_paid(buyer_client, placed, product):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(page_path(placed))
    assert page.status_code == 200
    html = page.content.decode()
    assert placed["order_number"] in html and "Approve" in html and "Decline" in html
    assert "2,603,000 MWK" in html and "5,000 MWK" in html  # total, shipping
    token = browser.cookies["csrftoken"].value
    done = browser.post(page_path(placed), {"decision": "approve", "csrfmiddlewaretoken": token})
    assert done.status_code == 200 and "Payment approved" in done.content.decode()
    order = Order.objects.get()
    assert order.status == "paid" and order.is_paid and order.paid_at is not None
    detail = buyer_client.get(f"{TECHAVEN}/orders/{placed['order_id']}").json()["data"]
    assert detail["is_paid"] is True and detail["status"] == "processing"
    assert [h["label"] for h in detail["status_history"]] == ["Order Placed", "Payment Received"]
    assert OutboxEvent.objects.filter(name="order.updated", user=buyer_client.user).count() == 1
    # a second click is a replay: nothing changes
    again = browser.post(page_path(placed), {"decision": "decline", "csrfmiddlewaretoken": token})
    assert again.status_code == 200
    order.refresh_from_db()
    assert order.status == "paid"
    assert OutboxEvent.objects.filter(name="order.updated", user=buyer_client.user).count() == 1


def test_decline_cancels_the_order_and_returns_stock(placed, product):
    response = Client().post(page_path(placed), {"decision": "decline"})
    assert "declined" in response.content.decode()
    order = Order.objects.get()
    assert order.status == "cancelled" and not order.is_paid
    assert PaymentAttempt.objects.get().status == "failed"
    product.refresh_from_db()
    assert product.stock_quantity == 5


def test_unknown_payment_page_is_404():
    assert Client().get("/pay/sandbox/sbx_nothing").status_code == 404


def test_signed_callback_marks_paid_and_a_replay_changes_nothing(placed):
    attempt = PaymentAttempt.objects.get()
    provider = get_provider(attempt.provider)
    body = provider.callback_body(reference=attempt.reference, succeeded=True)
    first = callback(body, provider.sign(body))
    assert first.status_code == 200 and first.json()["replayed"] is False
    paid_at = Order.objects.get().paid_at
    replay = callback(body, provider.sign(body))
    assert replay.status_code == 200 and replay.json()["replayed"] is True
    failed = provider.callback_body(reference=attempt.reference, succeeded=False)
    assert callback(failed, provider.sign(failed)).json()["replayed"] is True
    order = Order.objects.get()
    assert order.status == "paid" and order.paid_at == paid_at
    assert order.history.count() == 2


def test_bad_signature_changes_nothing(placed):
    attempt = PaymentAttempt.objects.get()
    body = json.dumps({"reference": attempt.reference, "status": "succeeded"}).encode()
    for signature in ("", "sha256=" + "0" * 64, get_provider("sandbox").sign(body + b" ")):
        response = callback(body, signature)
        assert response.status_code == 400 and response.json()["code"] == "BAD_SIGNATURE"
    assert Order.objects.get().status == "pending"
    assert PaymentAttempt.objects.get().status == "pending"


def test_cancelling_a_paid_order_refunds_through_the_provider(
    buyer_client, placed, product, django_capture_on_commit_callbacks
):
    Client().post(page_path(placed), {"decision": "approve"})
    with django_capture_on_commit_callbacks(execute=True):
        response = buyer_client.post(
            f"{TECHAVEN}/orders/{placed['order_id']}/cancel", {"reason": "Too slow"}, format="json"
        )
    assert response.status_code == 200
    assert response.json()["data"] == {
        "order_id": placed["order_id"], "status": "cancelled", "refund_status": "processing",
    }  # fmt: skip
    refund = PaymentAttempt.objects.get(kind="refund")
    assert refund.status == "succeeded" and refund.amount_minor == 2 * 1_299_000 + 5000
    detail = buyer_client.get(f"{TECHAVEN}/orders/{placed['order_id']}").json()["data"]
    assert detail["refund_status"] == "completed" and detail["status"] == "cancelled"
    assert Order.objects.get().status == "refunded"
    product.refresh_from_db()
    assert product.stock_quantity == 5


def test_a_payment_arriving_after_expiry_is_refunded(placed, django_capture_on_commit_callbacks):
    Order.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    from orders.services.status import orders_expire_unpaid

    assert orders_expire_unpaid() == 1
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(page_path(placed), {"decision": "approve"})
    order = Order.objects.get()
    assert order.status == "refunded" and order.refund_status == "completed"


# --- coupons ------------------------------------------------------------------------------


def make_coupon(**kw) -> Coupon:
    defaults = {
        "storefront": Storefront.TECHAVEN,
        "code": "SAVE10",
        "kind": "percentage",
        "value": 10,
    }
    return Coupon.objects.create(**{**defaults, **kw})


def test_percentage_coupon_discounts_the_subtotal(buyer_client, product, address, pay_method):
    make_coupon()
    add_to_cart(buyer_client, product)
    response = checkout(buyer_client, address, pay_method, coupon_code="save10")
    assert response.status_code == 201
    assert response.json()["data"]["total"] == 1_299_000 - 129_900 + 5000
    order = Order.objects.get()
    assert order.discount_minor == 129_900 and order.coupon_code == "SAVE10"
    assert Coupon.objects.get().used_count == 1


def test_fixed_coupon_never_goes_below_zero(buyer_client, cheap_product, address, pay_method):
    make_coupon(code="BIG", kind="fixed", value=10_000_000)
    add_to_cart(buyer_client, cheap_product)
    response = checkout(buyer_client, address, pay_method, coupon_code="BIG")
    assert response.json()["data"]["total"] == 5000


@pytest.mark.parametrize(
    ("coupon", "reason"),
    [
        (None, "not valid"),
        ({"is_active": False}, "no longer active"),
        ({"valid_from": timezone.now() + timedelta(days=1)}, "not valid yet"),
        ({"valid_until": timezone.now() - timedelta(days=1)}, "expired"),
        ({"max_uses": 0}, "used up"),
        ({"min_subtotal_minor": 5_000_000}, "at least"),
        ({"storefront": Storefront.CRYPTOSHOP}, "not valid"),
    ],
)
def test_bad_coupon_is_a_400_naming_the_reason_and_changes_nothing(
    buyer_client, product, address, pay_method, coupon, reason
):
    if coupon is not None:
        make_coupon(**coupon)
    add_to_cart(buyer_client, product)
    response = checkout(buyer_client, address, pay_method, coupon_code="SAVE10")
    assert response.status_code == 400
    body = response.json()
    assert reason in body["errors"]["coupon_code"][0]
    assert not Order.objects.exists()
    product.refresh_from_db()
    assert product.stock_quantity == 5
    assert buyer_client.get(f"{TECHAVEN}/cart").json()["data"]["summary"]["item_count"] == 1


def test_per_user_limit_and_use_given_back_on_cancel(buyer_client, product, address, pay_method):
    make_coupon(max_uses_per_user=1)
    add_to_cart(buyer_client, product)
    first = checkout(buyer_client, address, pay_method, coupon_code="SAVE10").json()["data"]
    add_to_cart(buyer_client, product)
    second = checkout(buyer_client, address, pay_method, coupon_code="SAVE10")
    assert second.status_code == 400
    assert "already used" in second.json()["errors"]["coupon_code"][0]
    buyer_client.post(f"{TECHAVEN}/orders/{first['order_id']}/cancel", {}, format="json")
    assert Coupon.objects.get().used_count == 0
    assert checkout(buyer_client, address, pay_method, coupon_code="SAVE10").status_code == 201


def test_callback_on_another_providers_route_is_refused(placed):
    attempt = PaymentAttempt.objects.get()
    provider = get_provider(attempt.provider)
    body = provider.callback_body(reference=attempt.reference, succeeded=True)
    response = callback(body, provider.sign(body), provider="tnm_mpamba")
    assert response.status_code == 404
    assert Order.objects.get().status == "pending"


def test_page_of_a_cancelled_order_offers_no_buttons(buyer_client, placed):
    buyer_client.post(f"{TECHAVEN}/orders/{placed['order_id']}/cancel", {}, format="json")
    html = Client().get(page_path(placed)).content.decode()
    assert "no longer awaits payment" in html and 'value="approve"' not in html


def test_retried_checkout_with_the_same_idempotency_key_places_one_order(
    buyer_client, product, address, pay_method
):
    add_to_cart(buyer_client, product)
    first = checkout(buyer_client, address, pay_method, HTTP_IDEMPOTENCY_KEY="tap-1")
    again = checkout(buyer_client, address, pay_method, HTTP_IDEMPOTENCY_KEY="tap-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Order.objects.count() == 1


def test_paid_orders_count_as_sales_until_cancelled(buyer_client, placed, product, shop):
    Client().post(page_path(placed), {"decision": "approve"})
    product.refresh_from_db()
    shop.refresh_from_db()
    assert product.sales_count == 2
    assert (shop.sales_count, shop.revenue_minor) == (1, 2 * 1_299_000)
    buyer_client.post(f"{TECHAVEN}/orders/{placed['order_id']}/cancel", {}, format="json")
    product.refresh_from_db()
    shop.refresh_from_db()
    assert (product.sales_count, shop.sales_count, shop.revenue_minor) == (0, 0, 0)
