"""Sockets end with their session (issue 12, finding 6), against real uvicorn servers with
the stock python-socketio client and a plain WebSocket client (`websockets`): the session
ends over HTTP (CryptoShop logout, staff suspension in the admin), on the same server or
another one.
"""

from __future__ import annotations

import json
import queue
import re
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import engineio
import httpx
import pytest
import socketio
from django.conf import settings
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from tests.helpers.cryptoshop_flow import (
    logout,
    open_shop,
    order_updated,
    place_order,
    register,
    register_account,
    two_factor_sessions,
)
from tests.helpers.servers import BASE_DIR, server_env, uvicorn_server

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SESSION_ENDED = {"message": "Authentication failed: the session has ended"}
CLOSE_SESSION_ENDED = 4401


def listening_client(events: list[str]) -> tuple[socketio.Client, queue.Queue]:
    received: queue.Queue = queue.Queue()
    client = socketio.Client(reconnection=False)
    for name in events:
        client.on(name, lambda data=None, name=name: received.put((name, data)))
    return client, received


def socketio_signed_in(url: str, token: str) -> tuple[socketio.Client, queue.Queue]:
    client, received = listening_client(["order:updated", "error", "disconnect"])
    client.connect(url, auth={"accessToken": token}, transports=["websocket"], wait_timeout=10)
    return client, received


def assert_socketio_told_and_closed(client: socketio.Client, received: queue.Queue) -> None:
    assert received.get(timeout=5) == ("error", SESSION_ENDED)
    assert received.get(timeout=5)[0] == "disconnect"
    assert not client.connected


@contextmanager
def ws_signed_in(url: str, token: str) -> Iterator:
    with ws_connect(f"{url.replace('http', 'ws', 1)}/ws/?token={token}", open_timeout=10) as ws:
        authenticated = json.loads(ws.recv(timeout=10))
        assert authenticated == {"event": "authenticated", "data": {"success": True}}
        yield ws


def assert_ws_told_and_closed(ws, timeout: float = 5) -> None:
    assert json.loads(ws.recv(timeout=timeout)) == {"event": "error", "data": SESSION_ENDED}
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    assert closed.value.rcvd.code == CLOSE_SESSION_ENDED


# --- the session ends on the server the sockets are on --------------------------------------
def test_logout_closes_the_sockets_of_that_session_token_and_no_later_event_arrives(server):
    shop = open_shop(server.url)
    token = register(server.url)
    ending, staying = two_factor_sessions(server.url, token, count=2)
    closing, closing_heard = socketio_signed_in(server.url, ending)
    open_, open_heard = socketio_signed_in(server.url, staying)
    try:
        with ws_signed_in(server.url, ending) as plain:
            logout(server.url, ending)
            assert_socketio_told_and_closed(closing, closing_heard)
            assert_ws_told_and_closed(plain)
        # the other session's socket still hears the account's events; the closed one does not
        oid = place_order(server.url, staying, shop)
        assert open_heard.get(timeout=10) == order_updated(
            oid, "PENDING", "Your order has been placed"
        )
        assert closing_heard.empty()
    finally:
        for client in (closing, open_):
            client.disconnect()


def _admin_suspends(base: str, database_url: str, user_id: str) -> None:
    """A superuser (made with `createsuperuser`) signs in to the admin and runs "Suspend
    selected users" on the account, as support staff do."""
    username, password = f"staff-{uuid.uuid4().hex[:8]}", "staff-password-1"
    subprocess.run(
        [sys.executable, "manage.py", "createsuperuser", "--noinput", "--username", username],
        cwd=BASE_DIR,
        env=server_env(database_url, DJANGO_SUPERUSER_PASSWORD=password),
        check=True,
        capture_output=True,
    )
    with httpx.Client(base_url=base, timeout=10) as admin:
        admin.get("/admin/login/")
        csrf = admin.cookies["csrftoken"]
        signed_in = admin.post(
            "/admin/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": csrf},
        )
        assert signed_in.status_code == 302, signed_in.text
        csrf = admin.cookies["csrftoken"]  # signing in rotates it
        listing = admin.get("/admin/accounts/user/", params={"q": user_id.removeprefix("user_")})
        pk = re.search(r'name="_selected_action" value="(\d+)"', listing.text).group(1)
        done = admin.post(
            "/admin/accounts/user/",
            data={
                "action": "suspend_selected",
                "_selected_action": pk,
                "index": "0",
                "csrfmiddlewaretoken": csrf,
            },
        )
        assert done.status_code == 302, done.text


def test_suspension_in_the_admin_closes_every_socket_of_the_account(server, database_url):
    user_id, token = register_account(server.url)
    clients = [socketio_signed_in(server.url, token) for _ in range(2)]
    try:
        with ws_signed_in(server.url, token) as plain:
            _admin_suspends(server.url, database_url, user_id)
            for client, heard in clients:
                assert_socketio_told_and_closed(client, heard)
            assert_ws_told_and_closed(plain)
    finally:
        for client, _ in clients:
            client.disconnect()


# --- connections that never sign in ---------------------------------------------------------
def test_an_engineio_connection_that_never_opens_a_socketio_namespace_is_closed(server):
    client = engineio.Client()
    closed = threading.Event()
    client.on("disconnect", lambda *args: closed.set())
    client.connect(server.url, engineio_path="socket.io", transports=["websocket"])
    try:
        assert closed.wait(timeout=10), "the bare Engine.IO connection was left open"
    finally:
        client.disconnect()


def test_a_bare_ws_connection_that_never_authenticates_is_closed(server):
    with ws_connect(f"{server.url.replace('http', 'ws', 1)}/ws/", open_timeout=10) as ws:
        assert json.loads(ws.recv(timeout=10)) == {
            "event": "error",
            "data": {"message": "Authentication failed: not authenticated in time"},
        }
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert closed.value.rcvd.code == CLOSE_SESSION_ENDED


# --- across servers ----------------------------------------------------------------------------
@pytest.mark.skipif(not settings.REDIS_URL, reason="crossing processes needs REDIS_URL")
def test_logout_on_server_a_closes_the_sockets_on_server_b(server, database_url):
    a = server
    with uvicorn_server(database_url) as b:
        token = register(a.url)
        [session] = two_factor_sessions(a.url, token)
        client, heard = socketio_signed_in(b.url, session)
        try:
            with ws_signed_in(b.url, session) as plain:
                logout(a.url, session)
                assert_socketio_told_and_closed(client, heard)
                assert_ws_told_and_closed(plain)
        finally:
            client.disconnect()


def test_a_server_that_misses_the_revoke_message_closes_at_the_next_recheck(server, database_url):
    """Server B shares the database but not the messages (another Redis prefix, or no Redis):
    the periodic re-check of the session closes its sockets."""
    deaf = {"CACHE_KEY_PREFIX": f"{settings.CACHE_KEY_PREFIX}-deaf"}
    with uvicorn_server(database_url, REALTIME_SESSION_RECHECK_SECONDS="1", **deaf) as b:
        token = register(server.url)
        [session] = two_factor_sessions(server.url, token)
        client, heard = socketio_signed_in(b.url, session)
        try:
            with ws_signed_in(b.url, session) as plain:
                logout(server.url, session)
                assert_socketio_told_and_closed(client, heard)
                assert_ws_told_and_closed(plain)
        finally:
            client.disconnect()
