"""Sellers are told of the orders placed with them (docs/decisions.md, "Seller events").

End to end over HTTP: a buyer checks out, pays, cancels; the relay runs after each commit
(Celery eager) and the shop's seller gets the order events on their own webhook receiver,
sockets and in-app inbox, in their own words; nobody else's shop hears a thing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config.asgi import application
from notifications.models import Notification, OutboxEvent, WebhookDelivery
from notifications.services import outbox_relay_run
from orders.models import Order
from orders.services.status import orders_expire_unpaid
from tests.conftest import CRYPTOSHOP, TECHAVEN, techaven_client
from tests.factories.accounts import AddressFactory, PaymentMethodFactory, TechavenUserFactory
from tests.factories.catalog import (
    CryptoShopProductFactory,
    CryptoShopSellerFactory,
    ProductFactory,
    ShopFactory,
)
from tests.helpers.events import LocalServer, serve, subscribe, techaven_token, verified_bodies
from tests.helpers.orders import (
    add_to_cart,
    checkout,
    cryptoshop_account,
    page_path,
    pay_by_escrow,
)
from tests.helpers.wsclient import WebsocketCommunicator

pytestmark = pytest.mark.django_db(transaction=True)

SELLER_API = "/seller/api"


@pytest.fixture
def rival_receiver() -> Iterator[LocalServer]:
    """Another seller's webhook receiver: it must stay silent."""
    yield from serve(LocalServer())


def _said_to(pushed, user) -> list[tuple[str, str]]:
    """(status, message) of each `order:updated` pushed to `user`'s sockets."""
    return [
        (payload["status"], payload["message"])
        for user_id, name, payload in pushed
        if user_id == user.pk and name == "order:updated"
    ]


def _inbox(user) -> list[dict]:
    """The user's Techaven `GET /notifications`, newest first."""
    response = techaven_client(user).get(f"{TECHAVEN}/notifications")
    assert response.status_code == 200
    return response.json()["data"]["notifications"]


# --- CryptoShop ----------------------------------------------------------------------


def test_cryptoshop_seller_webhook_gets_a_signed_order_created_and_the_buyers_moves(
    receiver, rival_receiver, allow_private, pushed
):
    seller_user, seller = cryptoshop_account()
    product = CryptoShopProductFactory(
        shop=CryptoShopSellerFactory(owner=seller_user),
        price_minor=250_000,
        price_eur_minor=8_999,
        stock_quantity=5,
    )
    subscribe(seller, receiver, ["order.created", "order.updated"])
    rival_user, rival = cryptoshop_account()
    CryptoShopProductFactory(shop=CryptoShopSellerFactory(owner=rival_user))
    subscribe(rival, rival_receiver, ["order.created", "order.updated"])
    buyer_user, buyer = cryptoshop_account()

    response = buyer.post(
        f"{CRYPTOSHOP}/orders",
        {"items": [{"productId": f"product_{product.uid}", "quantity": 1}]},
        format="json",
    )
    assert response.status_code == 201
    oid = response.json()["data"]["id"]

    [created] = verified_bodies(receiver)
    assert created["event"] == "order.created"
    # the Order object, as the buyer's own webhook shows it (the socket text left out)
    assert created["data"] == {
        "id": oid,
        "orderId": oid,
        "buyerId": f"user_{buyer_user.uid}",
        "status": "PENDING",
        "totalBtc": 0.0025,
        "totalEur": 89.99,
        "paymentHash": None,
        "paymentConfirmed": False,
        "createdAt": created["data"]["createdAt"],
        "updatedAt": created["data"]["updatedAt"],
        "completedAt": None,
    }

    order_url = f"{CRYPTOSHOP}/orders/{oid}"
    pay_by_escrow(buyer, buyer_user, oid)  # the escrow, funded from the wallet, pays it
    # the buyer cancels before the seller confirmed: the escrow goes back at once
    assert buyer.put(order_url, {"status": "CANCELLED"}, format="json").status_code == 200

    bodies = verified_bodies(receiver)
    assert [(b["event"], b["data"]["status"]) for b in bodies] == [
        ("order.created", "PENDING"),
        ("order.updated", "PAID"),
        ("order.updated", "CANCELLED"),
        ("order.updated", "REFUNDED"),
    ]
    assert bodies[1]["data"]["paymentHash"].startswith("tx_")
    assert bodies[1]["data"]["paymentConfirmed"] is True
    assert _said_to(pushed, seller_user) == [
        ("PENDING", f"New order {oid}"),
        ("PAID", f"Order {oid} was paid — ready to process"),
        ("CANCELLED", f"Buyer cancelled order {oid}"),
        ("REFUNDED", f"Order {oid} was refunded to the buyer"),
    ]
    # the buyer still hears of every change, in the buyer's words
    assert _said_to(pushed, buyer_user) == [
        ("PENDING", "Your order has been placed"),
        ("PAID", "Your payment has been received"),
        ("CANCELLED", "Your order has been cancelled"),
        ("REFUNDED", "Your order has been refunded"),
    ]
    # another seller: nothing on the wire, nothing in the inbox
    assert rival_receiver.requests == []
    assert _said_to(pushed, rival_user) == []
    assert not OutboxEvent.objects.filter(user=rival_user).exists()

    # each subscriber got each event once: running the relay again sends nothing more
    outbox_relay_run()
    assert len(receiver.requests) == 4
    assert WebhookDelivery.objects.filter(endpoint__user=seller_user).count() == 4
    assert Notification.objects.filter(user=seller_user, type="order_update").count() == 4


# --- Techaven -------------------------------------------------------------------------


class TechavenShop:
    """A Techaven shop with one product, and a buyer ready to check out."""

    def __init__(self) -> None:
        self.shop = ShopFactory()
        self.owner = self.shop.owner
        self.product = ProductFactory(shop=self.shop, price_minor=1_299_000, stock_quantity=5)
        self.buyer = TechavenUserFactory()
        self.th = techaven_client(self.buyer)
        self.address = AddressFactory(user=self.buyer)
        self.pay_method = PaymentMethodFactory(user=self.buyer)

    def place(self) -> dict:
        add_to_cart(self.th, self.product)
        response = checkout(self.th, self.address, self.pay_method)
        assert response.status_code == 201, response.content
        return response.json()["data"]

    def approve_payment(self, placed: dict) -> None:
        page = page_path(placed)
        assert b"Payment approved" in Client().post(page, {"decision": "approve"}).content

    def seller_moves(self, placed: dict, **body) -> None:
        client = APIClient()
        token = Token.objects.get_or_create(user=self.owner)[0]
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        uid = placed["order_id"].removeprefix("ord_")
        response = client.post(f"{SELLER_API}/orders/{uid}/status/", body, format="json")
        assert response.status_code == 200, response.content


def test_techaven_shop_owner_sees_the_new_order_in_notifications():
    store = TechavenShop()
    rival = ShopFactory()
    placed = store.place()
    number = placed["order_number"]
    assert re.fullmatch(rf"TH-{timezone.now().year}-\d{{4,}}", number)

    [note] = _inbox(store.owner)
    assert note == {
        "id": note["id"],
        "type": "order_update",
        "title": "New order",
        "body": f"New order {number}",
        "data": {"order_id": placed["order_id"], "role": "seller"},
        "is_read": False,
        "created_at": note["created_at"],
    }
    [told_buyer] = _inbox(store.buyer)
    assert told_buyer["body"] == "Your order has been placed"
    assert told_buyer["data"] == {"order_id": placed["order_id"]}
    assert _inbox(rival.owner) == []


def test_techaven_shop_owner_socket_gets_order_updated_when_the_buyer_pays_and_cancels():
    store = TechavenShop()
    rival = ShopFactory()

    async def scenario():
        sockets = []
        for user in (store.owner, rival.owner):
            token = await database_sync_to_async(techaven_token)(user)
            ws = WebsocketCommunicator(application, f"/ws/?token={token}")
            assert (await ws.connect())[0]
            assert (await ws.receive_json_from())["event"] == "authenticated"
            sockets.append(ws)
        seller_ws, rival_ws = sockets

        async def next_order_update() -> dict:
            message = await seller_ws.receive_json_from()
            assert message["event"] == "order:updated"
            assert (await seller_ws.receive_json_from())["event"] == "notification"
            return message["data"]

        placed = await database_sync_to_async(store.place)()
        oid, number = placed["order_id"], placed["order_number"]
        assert await next_order_update() == {
            "orderId": oid,
            "status": "pending",
            "message": f"New order {number}",
        }
        await database_sync_to_async(store.approve_payment)(placed)
        assert await next_order_update() == {
            "orderId": oid,
            "status": "processing",
            "message": f"Order {number} was paid — ready to process",
        }
        cancelled = await database_sync_to_async(store.th.post)(
            f"{TECHAVEN}/orders/{oid}/cancel", {"reason": "Found it cheaper"}, format="json"
        )
        assert cancelled.status_code == 200
        assert await next_order_update() == {
            "orderId": oid,
            "status": "cancelled",
            "message": f"Buyer cancelled order {number}: Found it cheaper",
        }
        # the sandbox pays the money back right after the cancel commits
        assert await next_order_update() == {
            "orderId": oid,
            "status": "cancelled",
            "message": f"Order {number} was refunded to the buyer",
        }
        await seller_ws.receive_nothing()
        await rival_ws.receive_nothing()
        for ws in sockets:
            await ws.disconnect()

    async_to_sync(scenario)()
    assert Order.objects.get().status == "refunded"


def test_seller_ships_and_the_buyer_is_told_the_tracking_number_not_the_seller_again():
    store = TechavenShop()
    placed = store.place()
    number = placed["order_number"]
    store.approve_payment(placed)
    store.seller_moves(placed, status="processing")
    store.seller_moves(
        placed,
        status="shipped",
        tracking_number="DHL123456789",
        tracking_url="https://track.dhl.com/DHL123456789",
    )

    latest = _inbox(store.buyer)[0]
    assert latest["title"] == f"Order {number}"
    assert latest["body"] == "Your order has been shipped. Tracking number: DHL123456789"
    assert [n["body"] for n in _inbox(store.owner)] == [
        f"Order {number} was paid — ready to process",
        f"New order {number}",
    ]
    shipped = OutboxEvent.objects.filter(user=store.buyer).last()
    assert shipped.data["tracking_number"] == "DHL123456789"
    assert not OutboxEvent.objects.filter(user=store.owner, data__status="shipped").exists()


def test_a_shop_owner_buying_from_their_own_shop_is_told_once():
    store = TechavenShop()
    owner = store.owner
    add_to_cart(techaven_client(owner), store.product)
    response = checkout(
        techaven_client(owner), AddressFactory(user=owner), PaymentMethodFactory(user=owner)
    )
    assert response.status_code == 201
    assert OutboxEvent.objects.filter(user=owner).count() == 1
    assert [n["body"] for n in _inbox(owner)] == ["Your order has been placed"]


def test_a_cart_mixing_shops_tells_no_seller():
    store = TechavenShop()
    other = ProductFactory(shop=ShopFactory(), stock_quantity=5)
    add_to_cart(store.th, other)
    placed = store.place()
    assert Order.objects.get().shop is None  # staff fulfil it; no seller can see it
    assert _inbox(store.owner) == [] and _inbox(other.shop.owner) == []
    assert [n["data"] for n in _inbox(store.buyer)] == [{"order_id": placed["order_id"]}]


def test_the_seller_is_told_why_the_system_or_support_cancelled(admin_client):
    store = TechavenShop()
    expired = store.place()
    Order.objects.update(expires_at=timezone.now())
    assert orders_expire_unpaid() == 1
    assert _inbox(store.owner)[0]["body"] == (
        f"Order {expired['order_number']} was cancelled: Payment not received in time"
    )

    by_staff = store.place()
    order = Order.objects.get(number=by_staff["order_number"])
    admin_client.post(
        "/admin/orders/order/", {"action": "cancel_orders", "_selected_action": [order.pk]}
    )
    assert Order.objects.get(pk=order.pk).status == "cancelled"
    assert _inbox(store.owner)[0]["body"] == (
        f"Support cancelled order {by_staff['order_number']}: By staff"
    )
