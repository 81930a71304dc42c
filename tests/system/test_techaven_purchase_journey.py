"""A buyer's whole journey through HTTP, as the app and a browser would make it.

Techaven register + verify-otp are built on another branch; the buyer is created with the
factory and signed in with `techaven_session_start` (the same call verify-otp makes).
"""

import pytest
from django.test import Client

from tests.conftest import TECHAVEN
from tests.helpers.orders import local_path

pytestmark = pytest.mark.django_db


def test_buy_pay_on_the_sandbox_page_ship_and_track(
    buyer_client, product, address, pay_method, shop
):
    # add to cart and check out
    buyer_client.post(
        f"{TECHAVEN}/cart/items", {"product_id": product.pk, "quantity": 1}, format="json"
    )
    placed = buyer_client.post(
        f"{TECHAVEN}/orders",
        {"shipping_address_id": f"addr_{address.uid}", "payment_method_id": f"pm_{pay_method.uid}"},
        format="json",
    ).json()["data"]

    # the buyer's browser opens payment_url, Duka's page of the order, which leads to the
    # provider's (the sandbox's) page, and clicks Approve
    browser = Client(enforce_csrf_checks=True)
    assert placed["payment_url"].endswith(f"/pay/{placed['order_id']}")
    page = browser.get(local_path(placed["payment_url"]), follow=True)
    assert page.redirect_chain[0][1] == 302
    page_path = local_path(page.redirect_chain[-1][0])
    assert page.status_code == 200 and b"Approve" in page.content
    approved = browser.post(
        page_path,
        {"decision": "approve", "csrfmiddlewaretoken": browser.cookies["csrftoken"].value},
    )
    assert b"Payment approved" in approved.content
    # back at the order's page: it is paid
    assert b"This order is paid" in browser.get(local_path(placed["payment_url"])).content

    # the seller signs in to the back office and fulfils the order
    seller = Client(enforce_csrf_checks=True)
    seller.get("/seller/api/auth/login/")
    seller.post(
        "/seller/api/auth/login/",
        {
            "username": shop.owner.username,
            "password": "secret123",
            "csrfmiddlewaretoken": seller.cookies["csrftoken"].value,
        },
    )
    csrf = {"HTTP_X_CSRFTOKEN": seller.cookies["csrftoken"].value}
    order_uid = placed["order_id"].removeprefix("ord_")
    listed = seller.get("/seller/api/orders/", HTTP_ACCEPT="application/json").json()
    assert [o["id"] for o in listed["results"]] == [order_uid]
    for body in (
        {"status": "processing"},
        {
            "status": "shipped",
            "tracking_number": "DHL123456789",
            "tracking_url": "https://track.dhl.com/DHL123456789",
        },
    ):
        response = seller.post(
            f"/seller/api/orders/{order_uid}/status/", body, content_type="application/json", **csrf
        )
        assert response.status_code == 200, response.content

    # the buyer sees the journey with the tracking number
    detail = buyer_client.get(f"{TECHAVEN}/orders/{placed['order_id']}").json()["data"]
    assert detail["status"] == "shipped" and detail["is_paid"] is True
    assert [h["label"] for h in detail["status_history"]] == [
        "Order Placed", "Payment Received", "Processing", "Shipped",
    ]  # fmt: skip
    assert "DHL123456789" in detail["status_history"][-1]["note"]
    assert detail["tracking_number"] == "DHL123456789"
