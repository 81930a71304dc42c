import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from notifications.models import OutboxEvent
from orders.models import CartItem, Order, OrderStatusHistory
from orders.services.status import orders_expire_unpaid
from tests.conftest import CRYPTOSHOP, TECHAVEN, techaven_client
from tests.factories.accounts import AddressFactory, PaymentMethodFactory, TechavenUserFactory
from tests.factories.catalog import ProductFactory
from tests.helpers.orders import add_to_cart, checkout
from wallet.models import PaymentAttempt

pytestmark = pytest.mark.django_db


def place(buyer_client, product, address, pay_method, quantity=1, **extra):
    add_to_cart(buyer_client, product, quantity)
    response = checkout(buyer_client, address, pay_method, **extra)
    assert response.status_code == 201, response.json()
    return response.json()["data"]


def test_checkout_answers_the_documented_body_and_empties_the_cart(
    buyer_client, product, cheap_product, address, pay_method
):
    add_to_cart(buyer_client, product)
    add_to_cart(buyer_client, cheap_product, 2)
    response = checkout(buyer_client, address, pay_method, notes="Please call before delivery")
    assert response.status_code == 201
    body = response.json()
    assert body["message"] == "Order placed successfully"
    data = body["data"]
    assert set(data) == {
        "order_id", "order_number", "status", "total", "currency", "payment_url", "created_at",
    }  # fmt: skip
    assert data["order_id"].startswith("ord_")
    assert re.fullmatch(rf"TH-{timezone.now().year}-\d{{4,}}", data["order_number"])
    assert data["status"] == "pending"
    assert data["total"] == 1_902_000 and data["currency"] == "MWK"
    # Duka's page of the order, as the contract's `https://payment.techaven.mw/pay/ord_789`
    assert data["payment_url"] == f"{settings.PUBLIC_BASE_URL}/pay/{data['order_id']}"
    assert buyer_client.get(f"{TECHAVEN}/cart").json()["data"]["items"] == []
    product.refresh_from_db()
    cheap_product.refresh_from_db()
    assert (product.stock_quantity, cheap_product.stock_quantity) == (4, 8)


def test_checkout_publishes_order_created_with_a_buyer_notification(
    buyer_client, product, address, pay_method, buyer
):
    data = place(buyer_client, product, address, pay_method)
    event = OutboxEvent.objects.get(name="order.created", user=buyer)
    assert event.storefront == "techaven"
    assert event.data["order_id"] == data["order_id"]
    assert event.data["status"] == "pending" and event.data["total"] == data["total"]
    assert event.notification["type"] == "order_update"
    assert event.notification["data"] == {"order_id": data["order_id"]}


def test_client_cannot_set_prices_or_totals(buyer_client, product, address, pay_method):
    add_to_cart(buyer_client, product)
    response = checkout(
        buyer_client, address, pay_method, total=1, subtotal=1, discount=1_000_000, shipping=0,
        unit_price=1, items=[{"product_id": product.pk, "unit_price": 1}],
    )  # fmt: skip
    assert response.status_code == 201
    order = Order.objects.get()
    assert (order.subtotal_minor, order.discount_minor, order.shipping_minor) == (
        1_299_000, 0, 5000,
    )  # fmt: skip
    assert order.total_minor == 1_304_000
    assert order.items.get().unit_price_minor == 1_299_000


def test_order_freezes_name_price_image_and_address(buyer_client, product, address, pay_method):
    data = place(buyer_client, product, address, pay_method)
    product.name, product.price_minor = "Renamed", 1
    product.save()
    address.city = "Blantyre"
    address.save()
    detail = buyer_client.get(f"{TECHAVEN}/orders/{data['order_id']}").json()["data"]
    assert detail["items"][0]["product_name"] == "iPhone 14 Pro"
    assert detail["items"][0]["unit_price"] == 1_299_000
    assert detail["items"][0]["product_image"] == "https://example.com/iphone.jpg"
    assert detail["shipping_address"]["city"] == "Lilongwe"


def test_detail_has_the_documented_fields(buyer_client, product, address, pay_method):
    data = place(buyer_client, product, address, pay_method, notes="Please call before delivery")
    response = buyer_client.get(f"{TECHAVEN}/orders/{data['order_id']}")
    assert response.status_code == 200 and response.json()["message"] == "Order retrieved"
    d = response.json()["data"]
    for key in (
        "id", "order_number", "status", "status_label", "status_history", "items", "subtotal",
        "shipping", "discount", "tax", "total", "currency", "shipping_address", "payment_method",
        "is_paid", "paid_at", "tracking_number", "tracking_url", "notes", "created_at",
        "updated_at",
    ):  # fmt: skip
        assert key in d, key
    assert d["status_history"] == [
        {
            "status": "pending",
            "label": "Order Placed",
            "timestamp": d["status_history"][0]["timestamp"],
        }
    ]
    assert d["items"][0] == {
        "product_id": product.pk, "product_name": "iPhone 14 Pro",
        "product_image": "https://example.com/iphone.jpg", "quantity": 1,
        "unit_price": 1_299_000, "subtotal": 1_299_000,
    }  # fmt: skip
    assert d["shipping_address"] == {
        "full_name": address.full_name, "address_line": "123 Main Street, Area 47",
        "city": "Lilongwe", "state": "Central Region", "postal_code": "", "country": "Malawi",
        "phone": "+265991234567",
    }  # fmt: skip
    assert d["payment_method"] == "Mobile Money"
    assert d["is_paid"] is False and d["paid_at"] is None
    assert d["tracking_number"] is None and d["notes"] == "Please call before delivery"


def test_empty_cart_checkout_is_400(buyer_client, address, pay_method):
    response = checkout(buyer_client, address, pay_method)
    assert response.status_code == 400
    assert response.json()["success"] is False and "empty" in response.json()["message"]
    assert not Order.objects.exists()


def test_someone_elses_address_or_payment_method_is_404_and_changes_nothing(
    buyer_client, product, address, pay_method
):
    add_to_cart(buyer_client, product)
    stranger_address = AddressFactory()
    stranger_method = PaymentMethodFactory()
    r1 = checkout(buyer_client, stranger_address, pay_method)
    r2 = checkout(buyer_client, address, stranger_method)
    assert (r1.status_code, r2.status_code) == (404, 404)
    assert "shipping_address_id" in r1.json()["errors"]
    assert "payment_method_id" in r2.json()["errors"]
    response = buyer_client.post(
        f"{TECHAVEN}/orders", {"shipping_address_id": "addr_x"}, format="json"
    )
    assert response.status_code == 400 and "payment_method_id" in response.json()["errors"]
    assert not Order.objects.exists()
    assert CartItem.objects.count() == 1
    product.refresh_from_db()
    assert product.stock_quantity == 5


def test_checkout_refuses_a_cart_line_that_cannot_be_sold(
    buyer_client, product, address, pay_method
):
    add_to_cart(buyer_client, product, 3)
    product.stock_quantity = 2
    product.save()
    response = checkout(buyer_client, address, pay_method)
    assert response.status_code == 400
    assert "cart" in response.json()["errors"]
    product.refresh_from_db()
    assert product.stock_quantity == 2 and not Order.objects.exists()


def test_a_closed_shops_products_are_neither_carted_nor_ordered(
    buyer_client, product, address, pay_method, cs_buyer, cs_product
):
    """Staff closing a shop takes its products off the lists and pages (404), but the cart
    and both checkouts still sold them, to a seller who no longer saw the orders (a review)."""
    add_to_cart(buyer_client, product, 1)
    product.shop.is_active = False
    product.shop.save()
    assert buyer_client.get(f"{TECHAVEN}/products/{product.pk}").status_code == 404
    again = buyer_client.post(
        f"{TECHAVEN}/cart/items", {"product_id": product.pk, "quantity": 1}, format="json"
    )
    assert again.status_code == 404
    response = checkout(buyer_client, address, pay_method)
    assert response.status_code == 400
    assert response.json()["errors"]["cart"] == [f"Product {product.pk} is no longer sold"]
    cs_product.shop.is_active = False
    cs_product.shop.save()
    cs_order = cs_buyer[1].post(
        f"{CRYPTOSHOP}/orders",
        {"items": [{"productId": f"product_{cs_product.uid}", "quantity": 1}]},
        format="json",
    )
    assert cs_order.status_code == 400
    assert not Order.objects.exists()
    product.refresh_from_db()
    cs_product.refresh_from_db()
    assert (product.stock_quantity, cs_product.stock_quantity) == (5, 5)


def test_order_numbers_are_sequential(buyer_client, product, address, pay_method):
    """One after the other, with nothing rolled back in between, numbers follow each other
    (on PostgreSQL the sequence outlives the tests' rollbacks: they need not start at 1)."""
    numbers = [place(buyer_client, product, address, pay_method)["order_number"] for _ in range(3)]
    year = timezone.now().year
    assert all(re.fullmatch(rf"TH-{year}-\d{{4,}}", number) for number in numbers)
    first = int(numbers[0].rsplit("-", 1)[1])
    assert numbers == [f"TH-{year}-{n:04d}" for n in range(first, first + 3)]
    if not settings.USES_POSTGRES:  # the counter row, gapless
        assert first == 1


def test_a_cart_from_several_shops_becomes_one_order_for_staff(
    buyer_client, product, address, pay_method
):
    add_to_cart(buyer_client, ProductFactory())
    place(buyer_client, product, address, pay_method)
    order = Order.objects.get()
    assert order.shop is None and order.items.count() == 2


def test_list_with_status_filter_and_documented_shape(buyer_client, product, address, pay_method):
    first = place(buyer_client, product, address, pay_method)
    place(buyer_client, product, address, pay_method)
    buyer_client.post(
        f"{TECHAVEN}/orders/{first['order_id']}/cancel", {"reason": "x"}, format="json"
    )
    body = buyer_client.get(f"{TECHAVEN}/orders").json()
    assert body["message"] == "Orders retrieved"
    assert len(body["data"]["orders"]) == 2
    assert body["data"]["pagination"]["total_items"] == 2
    row = body["data"]["orders"][0]
    assert set(row) >= {
        "id", "order_number", "status", "status_label", "items", "item_count", "subtotal",
        "shipping", "discount", "total", "currency", "shipping_address", "payment_method",
        "is_paid", "paid_at", "delivered_at", "created_at",
    }  # fmt: skip
    assert set(row["shipping_address"]) == {"full_name", "address_line", "city", "phone"}
    assert set(row["items"][0]) == {
        "product_id",
        "product_name",
        "product_image",
        "quantity",
        "unit_price",
    }
    cancelled = buyer_client.get(f"{TECHAVEN}/orders?status=cancelled").json()["data"]["orders"]
    assert [o["id"] for o in cancelled] == [first["order_id"]]
    assert len(buyer_client.get(f"{TECHAVEN}/orders?status=pending").json()["data"]["orders"]) == 1
    assert buyer_client.get(f"{TECHAVEN}/orders?status=shipped").json()["data"]["orders"] == []
    bad = buyer_client.get(f"{TECHAVEN}/orders?status=lost")
    assert bad.status_code == 400 and "status" in bad.json()["errors"]


def test_paid_and_completed_and_refunded_show_in_techaven_words(
    buyer_client, product, address, pay_method
):
    data = place(buyer_client, product, address, pay_method)
    order = Order.objects.get()
    for internal, word in [
        ("paid", "processing"), ("completed", "delivered"), ("refunded", "cancelled")
    ]:  # fmt: skip
        Order.objects.filter(pk=order.pk).update(status=internal)
        d = buyer_client.get(f"{TECHAVEN}/orders/{data['order_id']}").json()["data"]
        assert d["status"] == word
        listed = buyer_client.get(f"{TECHAVEN}/orders?status={word}").json()["data"]["orders"]
        assert [o["id"] for o in listed] == [data["order_id"]]


def test_another_users_order_is_404(buyer_client, product, address, pay_method):
    data = place(buyer_client, product, address, pay_method)
    other = techaven_client(TechavenUserFactory())
    assert other.get(f"{TECHAVEN}/orders/{data['order_id']}").status_code == 404
    response = other.post(f"{TECHAVEN}/orders/{data['order_id']}/cancel", {}, format="json")
    assert response.status_code == 404
    assert other.get(f"{TECHAVEN}/orders").json()["data"]["orders"] == []
    assert Order.objects.get().status == "pending"
    assert buyer_client.get(f"{TECHAVEN}/orders/ord_nope").status_code == 404


def test_orders_need_a_token(api):
    assert api.get(f"{TECHAVEN}/orders").status_code == 401
    assert api.post(f"{TECHAVEN}/orders", {}, format="json").status_code == 401
    assert api.get(f"{TECHAVEN}/orders/ord_x").status_code == 401


def test_cancel_unpaid_returns_stock_and_records_history(
    buyer_client, product, address, pay_method
):
    data = place(buyer_client, product, address, pay_method, quantity=2)
    response = buyer_client.post(
        f"{TECHAVEN}/orders/{data['order_id']}/cancel", {"reason": "Changed my mind"}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Order cancelled successfully",
        "data": {"order_id": data["order_id"], "status": "cancelled", "refund_status": None},
    }
    product.refresh_from_db()
    assert product.stock_quantity == 5
    history = buyer_client.get(f"{TECHAVEN}/orders/{data['order_id']}").json()["data"][
        "status_history"
    ]
    assert [h["status"] for h in history] == ["pending", "cancelled"]
    assert history[1]["note"] == "Changed my mind"
    again = buyer_client.post(f"{TECHAVEN}/orders/{data['order_id']}/cancel", {}, format="json")
    assert again.status_code == 400
    product.refresh_from_db()
    assert product.stock_quantity == 5


@pytest.mark.parametrize("status", ["shipped", "delivered"])
def test_cancel_once_shipped_or_delivered_is_400_and_changes_nothing(
    buyer_client, product, address, pay_method, status
):
    data = place(buyer_client, product, address, pay_method)
    Order.objects.update(status=status, is_paid=True)
    response = buyer_client.post(f"{TECHAVEN}/orders/{data['order_id']}/cancel", {}, format="json")
    assert response.status_code == 400
    assert "cannot be cancelled" in response.json()["message"]
    assert Order.objects.get().status == status
    assert OrderStatusHistory.objects.count() == 1
    product.refresh_from_db()
    assert product.stock_quantity == 4


def test_unpaid_orders_expire_and_give_stock_back(buyer_client, product, address, pay_method):
    place(buyer_client, product, address, pay_method, quantity=3)
    assert orders_expire_unpaid() == 0  # not yet due
    Order.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    from orders.tasks import orders_expire_unpaid as task

    assert task.delay().get() == 1
    order = Order.objects.get()
    assert order.status == "cancelled" and order.cancel_reason == "Payment not received in time"
    product.refresh_from_db()
    assert product.stock_quantity == 5
    assert orders_expire_unpaid() == 0
    assert PaymentAttempt.objects.get().status == "pending"


def test_expiry_job_is_on_the_beat_schedule(settings):
    assert any(
        job["task"] == "orders.tasks.orders_expire_unpaid"
        for job in settings.CELERY_BEAT_SCHEDULE.values()
    )


def test_order_list_query_count_does_not_grow(
    buyer_client, product, address, pay_method, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    place(buyer_client, product, address, pay_method)
    with CaptureQueriesContext(connection) as one:
        assert len(buyer_client.get(f"{TECHAVEN}/orders").json()["data"]["orders"]) == 1
    single = len(one)
    for _ in range(4):
        place(buyer_client, product, address, pay_method)
    with django_assert_max_num_queries(single):
        assert len(buyer_client.get(f"{TECHAVEN}/orders").json()["data"]["orders"]) == 5


def test_cancel_with_a_too_long_reason_is_400_and_changes_nothing(
    buyer_client, product, address, pay_method
):
    data = place(buyer_client, product, address, pay_method)
    response = buyer_client.post(
        f"{TECHAVEN}/orders/{data['order_id']}/cancel", {"reason": "x" * 501}, format="json"
    )
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    assert Order.objects.get().status == "pending"
