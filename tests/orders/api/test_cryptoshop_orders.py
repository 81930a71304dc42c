import pytest

from notifications.models import OutboxEvent
from orders.models import Order
from tests.conftest import CRYPTOSHOP
from tests.factories.catalog import CryptoShopProductFactory, ProductFactory
from tests.helpers.orders import cryptoshop_account, pay_by_escrow

pytestmark = pytest.mark.django_db


def create(client, product, quantity=1):
    return client.post(
        f"{CRYPTOSHOP}/orders",
        {"items": [{"productId": f"product_{product.uid}", "quantity": quantity}]},
        format="json",
    )


def put(client, order_id, **body):
    return client.put(f"{CRYPTOSHOP}/orders/{order_id}", body, format="json")


def test_create_answers_the_documented_body_with_exact_amounts(cs_buyer, cs_product):
    user, client = cs_buyer
    response = create(client, cs_product)
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True
    data = body["data"]
    assert data["id"].startswith("order_") and data["buyerId"] == f"user_{user.uid}"
    assert data["status"] == "PENDING"
    assert data["totalBtc"] == 0.0025 and data["totalEur"] == 89.99
    assert set(data) == {
        "id",
        "buyerId",
        "status",
        "totalBtc",
        "totalEur",
        "createdAt",
        "orderItems",
    }
    item = data["orderItems"][0]
    assert item["id"].startswith("item_")
    assert item == {
        "id": item["id"], "productId": f"product_{cs_product.uid}", "quantity": 1,
        "priceBtc": 0.0025, "priceEur": 89.99,
    }  # fmt: skip
    cs_product.refresh_from_db()
    assert cs_product.stock_quantity == 4
    assert "0.0025" in response.content.decode()
    event = OutboxEvent.objects.get(name="order.created", user=user)
    assert event.data["orderId"] == data["id"] and event.data["status"] == "PENDING"
    assert event.data["totalBtc"] == 0.0025 and event.data["buyerId"] == data["buyerId"]
    assert event.data["message"]


def test_satoshi_amounts_are_exact(cs_buyer, cs_seller):
    product = CryptoShopProductFactory(
        shop=cs_seller[2], price_minor=12_345_679, price_eur_minor=101, stock_quantity=9
    )
    data = create(cs_buyer[1], product, 3).json()["data"]
    assert data["totalBtc"] == 0.37037037 and data["totalEur"] == 3.03
    assert Order.objects.get().shipping_minor == 0


def test_one_seller_per_order(cs_buyer, cs_product):
    other = CryptoShopProductFactory()
    response = cs_buyer[1].post(
        f"{CRYPTOSHOP}/orders",
        {"items": [{"productId": f"product_{p.uid}", "quantity": 1} for p in (cs_product, other)]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "MIXED_SELLERS"
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("items", "status"),
    [
        ([], 400),
        ([{"productId": "product_x", "quantity": 0}], 400),
        ([{"quantity": 1}], 400),
        ([{"productId": "product_nope", "quantity": 1}], 404),
        ([{"productId": "nonsense", "quantity": 1}], 404),
    ],
)
def test_bad_items_are_refused_in_cryptoshop_format(cs_buyer, items, status):
    response = cs_buyer[1].post(f"{CRYPTOSHOP}/orders", {"items": items}, format="json")
    assert response.status_code == status
    body = response.json()
    assert body["success"] is False and set(body) == {"success", "error", "code", "details"}
    if status == 400:
        assert body["code"] == "VALIDATION_ERROR"


def test_techaven_product_is_unknown_here(cs_buyer):
    response = create(cs_buyer[1], ProductFactory())
    assert response.status_code == 404


def test_more_than_stock_is_400(cs_buyer, cs_product):
    response = create(cs_buyer[1], cs_product, 6)
    assert response.status_code == 400
    cs_product.refresh_from_db()
    assert cs_product.stock_quantity == 5


def test_list_get_and_status_filter(cs_buyer, cs_product):
    user, client = cs_buyer
    first = create(client, cs_product).json()["data"]["id"]
    create(client, cs_product)
    escrow = pay_by_escrow(client, user, first)
    body = client.get(f"{CRYPTOSHOP}/orders").json()
    assert body["pagination"] == {"page": 1, "limit": 12, "total": 2, "pages": 1}
    row = body["data"][1]
    assert row["id"] == first and row["status"] == "PAID"
    assert row["paymentHash"].startswith("tx_")  # the ledger movement that funded the escrow
    assert row["paymentConfirmed"] is True and row["completedAt"] is None
    assert row["escrowTransaction"] == {"id": escrow["id"], "status": "FUNDED", "amountBtc": 0.0025}
    assert body["data"][0]["escrowTransaction"] is None
    assert row["orderItems"][0]["product"] == {
        "id": f"product_{cs_product.uid}",
        "name": "Premium VPN Subscription",
        "images": ["https://example.com/image1.jpg"],
    }
    paid = client.get(f"{CRYPTOSHOP}/orders?status=PAID").json()["data"]
    assert [o["id"] for o in paid] == [first]
    assert len(client.get(f"{CRYPTOSHOP}/orders?status=PENDING").json()["data"]) == 1
    bad = client.get(f"{CRYPTOSHOP}/orders?status=LOST")
    assert bad.status_code == 400 and bad.json()["code"] == "VALIDATION_ERROR"


def test_get_shows_product_and_seller(cs_buyer, cs_seller, cs_product):
    data = create(cs_buyer[1], cs_product).json()["data"]
    response = cs_buyer[1].get(f"{CRYPTOSHOP}/orders/{data['id']}")
    assert response.status_code == 200
    product = response.json()["data"]["orderItems"][0]["product"]
    assert product == {
        "id": f"product_{cs_product.uid}", "name": "Premium VPN Subscription",
        "description": "Lifetime VPN", "priceBtc": 0.0025, "priceEur": 89.99,
        "images": ["https://example.com/image1.jpg"],
        "seller": {
            "id": f"seller_{cs_seller[2].uid}", "storeName": "SecureNet",
            "user": {"username": cs_seller[0].username, "avatar": None},
        },
    }  # fmt: skip
    # the seller sees it too
    assert cs_seller[1].get(f"{CRYPTOSHOP}/orders/{data['id']}").status_code == 200
    assert len(cs_seller[1].get(f"{CRYPTOSHOP}/orders").json()["data"]) == 1


def test_strangers_get_404(cs_buyer, cs_product):
    data = create(cs_buyer[1], cs_product).json()["data"]
    _, stranger = cryptoshop_account()
    assert stranger.get(f"{CRYPTOSHOP}/orders/{data['id']}").status_code == 404
    response = put(stranger, data["id"], status="CANCELLED")
    assert response.status_code == 404 and response.json()["code"] == "ORDER_NOT_FOUND"
    assert stranger.get(f"{CRYPTOSHOP}/orders").json()["data"] == []
    assert Order.objects.get().status == "pending"


def test_needs_a_token(api):
    response = api.get(f"{CRYPTOSHOP}/orders")
    assert response.status_code == 401 and response.json()["success"] is False


def test_full_flow_by_the_transition_table(cs_buyer, cs_seller, cs_product):
    buyer = cs_buyer[1]
    seller = cs_seller[1]
    oid = create(buyer, cs_product).json()["data"]["id"]
    # the buyer cannot ship, the seller cannot confirm an unpaid order without a hash
    r = put(buyer, oid, status="SHIPPED")
    assert r.status_code == 400 and r.json()["code"] == "INVALID_TRANSITION"
    # a hash anyone can type does not pay an order: its escrow, funded from the wallet, does
    for body in ({}, {"paymentHash": "tx123456789"}):
        r = put(buyer, oid, status="PAID", **body)
        assert r.status_code == 409 and r.json()["code"] == "PAYMENT_NOT_VERIFIED"
    escrow = pay_by_escrow(buyer, cs_buyer[0], oid)
    r = buyer.get(f"{CRYPTOSHOP}/orders/{oid}")
    assert r.json()["data"]["status"] == "PAID" and r.json()["data"]["paymentConfirmed"] is True
    r = put(buyer, oid, status="CONFIRMED")
    assert r.status_code == 403 and r.json()["code"] == "INSUFFICIENT_PERMISSIONS"
    assert r.json()["error"] == "The buyer may not mark this order confirmed"
    r = put(seller, oid, status="CONFIRMED")
    assert r.status_code == 200
    assert set(r.json()["data"]) == {"id", "status", "paymentHash", "paymentConfirmed", "updatedAt"}
    assert r.json()["data"]["status"] == "CONFIRMED"
    assert put(seller, oid, status="SHIPPED").status_code == 200
    assert put(buyer, oid, status="CANCELLED").status_code == 400
    # shipped → completed is the system's (an escrow released), never the buyer's
    assert put(buyer, oid, status="COMPLETED").json()["code"] == "INSUFFICIENT_PERMISSIONS"
    assert put(seller, oid, status="DELIVERED").status_code == 200
    assert put(seller, oid, status="COMPLETED").status_code == 403
    # the money is in escrow: the order completes when the buyer releases it with the code
    r = put(buyer, oid, status="COMPLETED")
    assert r.status_code == 409 and r.json()["code"] == "HELD_IN_ESCROW"
    r = buyer.post(
        f"{CRYPTOSHOP}/escrow/{escrow['id']}/release", {"releaseCode": "open-sesame"}, format="json"
    )
    assert r.status_code == 200
    assert buyer.get(f"{CRYPTOSHOP}/orders/{oid}").json()["data"]["status"] == "COMPLETED"
    order = Order.objects.get()
    assert order.completed_at is not None
    assert [h.status for h in order.history.all()] == [
        "pending", "paid", "processing", "shipped", "delivered", "completed",
    ]  # fmt: skip
    assert [h.actor_role for h in order.history.all()] == [
        "buyer", "system", "seller", "seller", "seller", "system",
    ]  # fmt: skip
    told_buyer = OutboxEvent.objects.filter(name="order.updated", user=cs_buyer[0])
    assert "Your order has been confirmed" in [e.data["message"] for e in told_buyer]
    assert told_buyer.count() == 5
    # the seller hears of the moves they did not make (paid, completed), not of their own
    told_seller = OutboxEvent.objects.filter(name="order.updated", user=cs_seller[0])
    assert [e.data["status"] for e in told_seller] == ["PAID", "COMPLETED"]


def test_a_payment_hash_cannot_mark_an_order_paid(cs_buyer, cs_seller, cs_product):
    """Security: the buyer (or the seller) used to mark an order paid with any hash."""
    oid = create(cs_buyer[1], cs_product).json()["data"]["id"]
    for client, status in ((cs_seller[1], "CONFIRMED"), (cs_buyer[1], "PAID")):
        r = put(client, oid, status=status, paymentHash="tx123456789")
        assert r.status_code == 409 and r.json()["code"] == "PAYMENT_NOT_VERIFIED"
        assert r.json()["details"] == {"paymentHash": [r.json()["error"]]}
    order = Order.objects.get()
    assert (order.status, order.is_paid, order.payment_hash) == ("pending", False, "")
    assert [h.status for h in order.history.all()] == ["pending"]


def test_cancel_before_shipping_returns_stock(cs_buyer, cs_seller, cs_product):
    oid = create(cs_buyer[1], cs_product, 2).json()["data"]["id"]
    r = put(cs_seller[1], oid, status="CANCELLED")
    assert r.status_code == 200 and r.json()["data"]["status"] == "CANCELLED"
    cs_product.refresh_from_db()
    assert cs_product.stock_quantity == 5
    assert put(cs_buyer[1], oid, status="PAID", paymentHash="x").status_code == 409


def test_bad_status_word_is_a_validation_error(cs_buyer, cs_product):
    oid = create(cs_buyer[1], cs_product).json()["data"]["id"]
    r = put(cs_buyer[1], oid, status="teleported")
    assert r.status_code == 400 and r.json()["code"] == "VALIDATION_ERROR"
    assert "status" in r.json()["details"]


def test_body_wrapped_with_access_token_is_accepted(cs_product):
    from rest_framework.test import APIClient

    from accounts.services.cryptoshop_auth import cryptoshop_user_register

    account = cryptoshop_user_register()
    response = APIClient().post(
        f"{CRYPTOSHOP}/orders",
        {
            "access_token": account.access_token,
            "data": {"items": [{"productId": f"product_{cs_product.uid}", "quantity": 1}]},
        },
        format="json",
    )
    assert response.status_code == 201


def test_list_query_count_does_not_grow(cs_buyer, cs_seller, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = cs_buyer[1]
    create(client, CryptoShopProductFactory(shop=cs_seller[2]))
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(f"{CRYPTOSHOP}/orders").json()["data"]) == 1
    single = len(one)
    for _ in range(4):
        create(client, CryptoShopProductFactory(shop=cs_seller[2]))
    with django_assert_max_num_queries(single):
        assert len(client.get(f"{CRYPTOSHOP}/orders").json()["data"]) == 5


def test_the_list_holds_what_one_bought_and_what_ones_shop_sold(cs_buyer, cs_seller, cs_product):
    from tests.factories.catalog import CryptoShopSellerFactory

    buyer_client = cs_buyer[1]
    seller_client = cs_seller[1]
    bought = create(buyer_client, cs_product).json()["data"]["id"]
    other_shop = CryptoShopSellerFactory()  # another seller's sale: neither of theirs
    create(buyer_client, CryptoShopProductFactory(shop=other_shop))
    own_purchase = create(seller_client, CryptoShopProductFactory(shop=other_shop))
    own_purchase = own_purchase.json()["data"]["id"]
    stranger = cryptoshop_account()[1]

    def listed(client) -> set[str]:
        return {order["id"] for order in client.get(f"{CRYPTOSHOP}/orders").json()["data"]}

    assert listed(seller_client) == {bought, own_purchase}  # sold through the shop, bought
    assert len(listed(buyer_client)) == 2
    assert listed(stranger) == set()
    sold = seller_client.get(f"{CRYPTOSHOP}/orders", {"status": "PENDING"}).json()
    assert sold["pagination"]["total"] == 2
