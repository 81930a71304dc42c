"""Real domain changes made over HTTP reach every subscriber through the outbox.

Orders and support publish; the relay fans out. These tests join them end to end: the
request commits, the relay runs (Celery eager, scheduled on commit), and the webhook
receiver, the in-app inbox and the user's sockets get what the CryptoShop document shows.
"""

from __future__ import annotations

import pytest

from notifications.models import Notification
from tests.conftest import CRYPTOSHOP, cryptoshop_client
from tests.factories.catalog import CryptoShopProductFactory, CryptoShopSellerFactory
from tests.helpers.events import Account, subscribe, verified_bodies

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_order_placed_over_http_reaches_webhook_inbox_and_socket(
    cs_account: Account, receiver, allow_private, pushed
):
    product = CryptoShopProductFactory(
        shop=CryptoShopSellerFactory(), price_minor=250_000, price_eur_minor=8_999
    )
    buyer = cryptoshop_client(cs_account.token)
    subscribe(buyer, receiver, ["order.created", "order.updated"])

    response = buyer.post(
        f"{CRYPTOSHOP}/orders",
        {"items": [{"productId": f"product_{product.uid}", "quantity": 2}]},
        format="json",
    )
    assert response.status_code == 201
    order_id = response.json()["data"]["id"]

    [webhook] = verified_bodies(receiver)
    assert webhook["event"] == "order.created"
    assert webhook["data"]["id"] == order_id
    assert webhook["data"]["status"] == "PENDING"
    assert webhook["data"]["totalBtc"] == 0.005
    assert webhook["data"]["totalEur"] == 179.98
    # timestamps exactly as the API renders them (whole seconds, Z)
    assert webhook["data"]["createdAt"] == response.json()["data"]["createdAt"]
    assert "message" not in webhook["data"]

    assert Notification.objects.filter(user=cs_account.user).count() == 1
    sent = [(name, payload) for user_id, name, payload in pushed if user_id == cs_account.user.pk]
    order_updates = [payload for name, payload in sent if name == "order:updated"]
    assert order_updates == [
        {"orderId": order_id, "status": "PENDING", "message": order_updates[0]["message"]}
    ]
    assert order_updates[0]["message"]
    assert any(name == "notification" for name, _ in sent)


def test_a_support_message_over_http_reaches_webhook_and_socket(
    cs_account: Account, receiver, allow_private, pushed
):
    client = cryptoshop_client(cs_account.token)
    subscribe(client, receiver, ["support.ticket_created", "support.message_created"])

    created = client.post(
        f"{CRYPTOSHOP}/support",
        {"subject": "Not delivered", "content": "Where is it?", "priority": "HIGH"},
        format="json",
    )
    assert created.status_code == 201
    ticket_id = created.json()["data"]["id"]
    message = client.post(
        f"{CRYPTOSHOP}/support/{ticket_id}/messages", {"content": "More details"}, format="json"
    )
    assert message.status_code == 201
    message_id = message.json()["data"]["id"]

    bodies = verified_bodies(receiver)
    names = [b["event"] for b in bodies]
    assert names[0] == "support.ticket_created"
    assert bodies[0]["data"]["id"] == ticket_id
    assert names[-1] == "support.message_created"
    assert bodies[-1]["data"]["id"] == message_id
    assert bodies[-1]["data"]["ticketId"] == ticket_id

    new_messages = [p for _, name, p in pushed if name == "support:new_message"]
    assert new_messages[-1]["ticketId"] == ticket_id
    assert new_messages[-1]["message"]["id"] == message_id
    assert new_messages[-1]["message"]["content"] == "More details"
    assert new_messages[-1]["message"]["isStaff"] is False
