"""The plain WebSocket at /ws/ (Channels), through the real ASGI application."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import transaction

from config.asgi import application
from notifications.outbox import publish
from notifications.services import outbox_relay_run
from tests.helpers.events import Account
from tests.helpers.wsclient import WebsocketCommunicator

# the consumer's database_sync_to_async closes connections that are inside a transaction,
# so these tests run in autocommit, as a server does
pytestmark = pytest.mark.django_db(transaction=True)


def _order_updated(user_id: int, status: str = "CONFIRMED") -> None:
    with transaction.atomic():
        publish(
            "order.updated",
            storefront="cryptoshop",
            user_id=user_id,
            data={"id": "order_789", "status": status},
            notification={"type": "ORDER_CONFIRMED", "title": "Order Confirmed", "body": "Yes"},
        )
    outbox_relay_run()


def run(scenario) -> None:
    async_to_sync(scenario)()


def test_cryptoshop_token_in_the_query_receives_events(cs_account: Account):
    async def scenario():
        ws = WebsocketCommunicator(application, f"/ws/?token={cs_account.token}")
        connected, _ = await ws.connect()
        assert connected
        assert await ws.receive_json_from(timeout=5) == {
            "event": "authenticated",
            "data": {"success": True},
        }
        await database_sync_to_async(_order_updated)(cs_account.user.pk)
        first = await ws.receive_json_from(timeout=5)
        second = await ws.receive_json_from(timeout=5)
        assert first == {
            "event": "order:updated",
            "data": {"orderId": "order_789", "status": "CONFIRMED", "message": "Yes"},
        }
        assert second["event"] == "notification"
        assert second["data"]["title"] == "Order Confirmed"
        assert second["data"]["id"].startswith("notif_")
        await ws.disconnect()

    run(scenario)


def test_techaven_jwt_as_first_message_receives_only_its_users_events(
    th_account: Account, cs_account: Account
):
    async def scenario():
        ws = WebsocketCommunicator(application, "/ws/")
        connected, _ = await ws.connect()
        assert connected
        await ws.send_json_to({"event": "authenticate", "data": {"token": th_account.token}})
        assert (await ws.receive_json_from(timeout=5))["event"] == "authenticated"
        await database_sync_to_async(_order_updated)(cs_account.user.pk)  # someone else
        await database_sync_to_async(_order_updated)(th_account.user.pk, "SHIPPED")
        message = await ws.receive_json_from(timeout=5)
        assert message["event"] == "order:updated"
        assert message["data"]["status"] == "SHIPPED"
        await ws.disconnect()

    run(scenario)


@pytest.mark.parametrize("token", ["cs_nope_nope", "css_nope", "eyJhbGciOi.bad.token", ""])
def test_bad_token_gets_an_error_and_is_closed(token):
    async def scenario():
        ws = WebsocketCommunicator(application, "/ws/")
        await ws.connect()
        await ws.send_json_to({"token": token})
        message = await ws.receive_json_from(timeout=5)
        assert message["event"] == "error"
        assert "Authentication failed" in message["data"]["message"]
        output = await ws.receive_output(timeout=5)
        assert output == {"type": "websocket.close", "code": 4401}

    run(scenario)


def test_two_factor_account_needs_its_session_token(cs_account: Account):
    from accounts.services.sessions import cryptoshop_session_start

    cs_account.user.two_factor_enabled = True
    cs_account.user.save()
    session_token = cryptoshop_session_start(user=cs_account.user, remember=False)

    async def scenario():
        bare = WebsocketCommunicator(application, f"/ws/?token={cs_account.token}")
        await bare.connect()
        message = await bare.receive_json_from(timeout=5)
        assert message["event"] == "error"
        assert "two-factor" in message["data"]["message"]
        ok = WebsocketCommunicator(application, f"/ws/?token={session_token}")
        await ok.connect()
        assert (await ok.receive_json_from(timeout=5))["event"] == "authenticated"
        await ok.disconnect()

    run(scenario)


def test_connections_per_user_are_limited(cs_account: Account, settings):
    settings.REALTIME_MAX_CONNECTIONS_PER_USER = 2

    async def scenario():
        sockets = []
        for _ in range(2):
            ws = WebsocketCommunicator(application, f"/ws/?token={cs_account.token}")
            await ws.connect()
            assert (await ws.receive_json_from(timeout=5))["event"] == "authenticated"
            sockets.append(ws)
        third = WebsocketCommunicator(application, f"/ws/?token={cs_account.token}")
        await third.connect()
        assert (await third.receive_json_from(timeout=5))["event"] == "error"
        assert await third.receive_output(timeout=5) == {"type": "websocket.close", "code": 4429}
        # closing one frees a place
        await sockets[0].disconnect()
        again = WebsocketCommunicator(application, f"/ws/?token={cs_account.token}")
        await again.connect()
        assert (await again.receive_json_from(timeout=5))["event"] == "authenticated"
        await again.disconnect()
        await sockets[1].disconnect()

    run(scenario)


@pytest.mark.parametrize(
    ("origin", "opens"),
    [
        (None, True),  # no browser: a mobile app, a server
        ("http://testserver", True),  # the server's own host
        ("https://shop.example", True),  # CORS_ALLOWED_ORIGINS
        ("https://elsewhere.example", False),
        ("null", False),
        ("http://testserver.elsewhere.example", False),
    ],
)
def test_a_browser_page_opens_ws_only_from_an_allowed_origin(settings, cs_account, origin, opens):
    settings.CORS_ALLOWED_ORIGINS = ["https://shop.example"]

    async def scenario():
        headers = [] if origin is None else [(b"origin", origin.encode())]
        ws = WebsocketCommunicator(application, f"/ws/?token={cs_account.token}", headers)
        connected, answer = await ws.connect()
        assert connected is opens, answer
        if opens:
            assert (await ws.receive_json_from())["event"] == "authenticated"
            await ws.disconnect()
        else:
            assert answer == {"type": "websocket.close", "code": 403}

    run(scenario)
