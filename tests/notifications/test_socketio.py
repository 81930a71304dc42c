"""Socket.IO against real uvicorn servers, with the stock python-socketio and npm clients."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
import socketio
import websocket
from django.conf import settings

from tests.helpers.cryptoshop_flow import (
    buyer_told_of_order_and_payment,
    call,
    open_shop,
    order_and_pay,
    order_updated,
    pay,
    place_order,
    register,
)
from tests.helpers.servers import uvicorn_server

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HELPERS = Path(__file__).resolve().parents[1] / "helpers"


def listening_client(events: list[str]) -> tuple[socketio.Client, queue.Queue]:
    received: queue.Queue = queue.Queue()
    client = socketio.Client(reconnection=False)
    for name in events:
        client.on(name, lambda data, name=name: received.put((name, data)))
    return client, received


def next_events(received: queue.Queue, count: int) -> list[tuple[str, dict]]:
    return [received.get(timeout=10) for _ in range(count)]


def test_python_socketio_client_receives_order_updated_caused_by_http_requests(server):
    shop = open_shop(server.url)
    buyer = register(server.url)
    client, received = listening_client(["order:updated"])
    client.connect(server.url, auth={"accessToken": buyer}, wait_timeout=10)
    try:
        oid = order_and_pay(server.url, buyer, shop)
        assert next_events(received, 2) == buyer_told_of_order_and_payment(oid)
    finally:
        client.disconnect()


def test_seller_receives_order_updated_when_a_buyer_orders_pays_and_cancels(server):
    """Everything over HTTP: a seller opens a shop and lists a product, a buyer orders it."""
    shop = open_shop(server.url)
    buyer = register(server.url)
    client, received = listening_client(["order:updated"])
    client.connect(server.url, auth={"accessToken": shop.seller}, wait_timeout=10)
    try:
        oid = place_order(server.url, buyer, shop)
        assert received.get(timeout=10) == order_updated(oid, "PENDING", f"New order {oid}")
        pay(server.url, buyer, oid)
        assert received.get(timeout=10) == order_updated(
            oid, "PAID", f"Order {oid} was paid — ready to process"
        )
        call(server.url, "PUT", f"/orders/{oid}", buyer, {"status": "CANCELLED"})
        assert received.get(timeout=10) == order_updated(
            oid, "CANCELLED", f"Buyer cancelled order {oid}"
        )
        # the escrow went back to the buyer at once
        assert received.get(timeout=10) == order_updated(
            oid, "REFUNDED", f"Order {oid} was refunded to the buyer"
        )
    finally:
        client.disconnect()


def test_bad_token_gets_connect_error_authentication_failed(server):
    client, errors = listening_client(["connect_error"])
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(server.url, auth={"accessToken": "cs_bad_token"}, wait_timeout=10)
    _, data = errors.get(timeout=5)
    assert "Authentication failed" in data["message"]


def test_authenticate_event_after_a_bare_connect(server):
    shop = open_shop(server.url)
    token = register(server.url)
    client, received = listening_client(["order:updated", "authenticated"])
    client.connect(server.url, wait_timeout=10, transports=["websocket"])
    try:
        assert client.call("authenticate", {"accessToken": token}, timeout=10) == {"success": True}
        assert received.get(timeout=5)[0] == "authenticated"
        oid = order_and_pay(server.url, token, shop)
        assert next_events(received, 2) == buyer_told_of_order_and_payment(oid)
    finally:
        client.disconnect()


def test_eleventh_connection_of_a_user_is_refused(server):
    token = register(server.url)
    clients = []
    try:
        for _ in range(10):
            client = socketio.Client(reconnection=False)
            client.connect(server.url, auth={"accessToken": token}, transports=["websocket"])
            clients.append(client)
        extra, errors = listening_client(["connect_error"])
        with pytest.raises(socketio.exceptions.ConnectionError):
            extra.connect(server.url, auth={"accessToken": token}, transports=["websocket"])
        assert "too many connections" in errors.get(timeout=5)[1]["message"]
    finally:
        for client in clients:
            client.disconnect()


@pytest.mark.skipif(not settings.REDIS_URL, reason="crossing processes needs REDIS_URL")
def test_event_caused_on_server_a_reaches_a_client_on_server_b(server, database_url):
    a = server
    with uvicorn_server(database_url) as b:
        shop = open_shop(a.url)
        buyer = register(a.url)
        client, received = listening_client(["order:updated"])
        client.connect(b.url, auth={"accessToken": buyer}, wait_timeout=10)
        try:
            # every request goes to server A; the events reach the socket on server B
            oid = order_and_pay(a.url, buyer, shop)
            assert next_events(received, 2) == buyer_told_of_order_and_payment(oid)
        finally:
            client.disconnect()


def _node_client_dir() -> str | None:
    directory = os.environ.get("DUKA_SOCKETIO_CLIENT_DIR")
    if directory and (Path(directory) / "node_modules" / "socket.io-client").is_dir():
        return directory
    if os.environ.get("CI"):
        pytest.fail("CI must install socket.io-client (see .ci/run)")
    return None


def test_npm_socket_io_client_connects_authenticates_and_receives(server, tmp_path):
    directory = _node_client_dir()
    if directory is None or shutil.which("node") is None:
        pytest.skip("set DUKA_SOCKETIO_CLIENT_DIR to a folder with npm socket.io-client (.ci/run)")
    script = Path(directory) / "socketio_client.mjs"
    shutil.copy(HELPERS / "socketio_client.mjs", script)  # so that its import resolves there
    result = subprocess.run(
        ["node", str(script), server.url], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout


def test_a_socket_that_never_authenticates_is_closed(server):
    client, received = listening_client(["disconnect"])
    client.connect(server.url, wait_timeout=10, transports=["websocket"])
    try:
        assert received.get(timeout=15)[0] == "disconnect"
        assert not client.connected
    finally:
        client.disconnect()


SHOP = "https://shop.example"
ELSEWHERE = "https://elsewhere.example"


def _socketio_from(url: str, origin: str, token: str) -> socketio.Client:
    """The python-socketio client over WebSocket, its handshake sent with `Origin: origin`."""
    client = socketio.Client(reconnection=False, websocket_extra_options={"origin": origin})
    client.connect(url, auth={"accessToken": token}, transports=["websocket"], wait_timeout=10)
    return client


def test_sockets_open_only_from_allowed_origins_or_the_servers_own(database_url):
    """Browsers apply no same-origin policy to WebSockets: Socket.IO and /ws/ check Origin
    against CORS_ALLOWED_ORIGINS (and the server's own host), like the HTTP APIs' CORS."""
    with uvicorn_server(database_url, CORS_ALLOWED_ORIGINS=SHOP) as running:
        token = register(running.url)
        # a browser's first Engine.IO request (polling)
        handshake = f"{running.url}/socket.io/?EIO=4&transport=polling"
        refused = httpx.get(handshake, headers={"Origin": ELSEWHERE}, timeout=10)
        assert refused.status_code == 400
        assert "not an accepted origin" in refused.text
        opened = httpx.get(handshake, headers={"Origin": SHOP}, timeout=10)
        assert opened.status_code == 200
        assert opened.headers["access-control-allow-origin"] == SHOP
        assert "access-control-allow-credentials" not in opened.headers
        assert httpx.get(handshake, timeout=10).status_code == 200  # no Origin: no browser

        with pytest.raises(socketio.exceptions.ConnectionError):
            _socketio_from(running.url, ELSEWHERE, token)
        for origin in (SHOP, running.url):
            client = _socketio_from(running.url, origin, token)
            assert client.connected
            client.disconnect()

        ws_url = running.url.replace("http://", "ws://") + f"/ws/?token={token}"
        with pytest.raises(websocket.WebSocketBadStatusException) as denied:
            websocket.create_connection(ws_url, origin=ELSEWHERE, timeout=10)
        assert denied.value.status_code == 403
        for origin in (SHOP, running.url):
            ws = websocket.create_connection(ws_url, origin=origin, timeout=10)
            try:
                assert json.loads(ws.recv())["event"] == "authenticated"
            finally:
                ws.close()
