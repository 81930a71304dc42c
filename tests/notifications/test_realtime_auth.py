"""A socket lives no longer than the session it signed in with (issue 12, finding 6).

The plain WebSocket at /ws/ through the real ASGI application; the session ends over HTTP
(logout, refresh-token reuse, password reset, staff suspension in the admin). The same
over Socket.IO and across servers: `test_realtime_sessions_servers.py`.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import LoginSession
from accounts.services.cryptoshop_auth import cryptoshop_user_register
from accounts.services.sessions import (
    cryptoshop_session_start,
    session_revoke,
    techaven_session_start,
)
from config.asgi import application
from notifications.outbox import publish
from notifications.services import outbox_relay_run
from tests.conftest import CRYPTOSHOP, TECHAVEN
from tests.factories.accounts import StaffUserFactory, TechavenUserFactory
from tests.helpers.wsclient import WebsocketCommunicator

# the consumer's database_sync_to_async closes connections that are inside a transaction,
# so these tests run in autocommit, as a server does
pytestmark = pytest.mark.django_db(transaction=True)

CLOSE_SESSION_ENDED = {"type": "websocket.close", "code": 4401}


def run(scenario) -> None:
    async_to_sync(scenario)()


def _order_updated(user_id: int, status: str = "SHIPPED") -> None:
    with transaction.atomic():
        publish(
            "order.updated",
            storefront="cryptoshop",
            user_id=user_id,
            data={"id": "order_789", "status": status},
        )
    outbox_relay_run()


order_updated = database_sync_to_async(_order_updated)


async def signed_in(token: str) -> WebsocketCommunicator:
    ws = WebsocketCommunicator(application, f"/ws/?token={token}")
    connected, _ = await ws.connect()
    assert connected
    assert await ws.receive_json_from(timeout=5) == {
        "event": "authenticated",
        "data": {"success": True},
    }
    return ws


async def assert_told_and_closed(ws: WebsocketCommunicator, user_id: int) -> None:
    """Within a few seconds the socket hears why and is closed; a later event never reaches it."""
    message = await ws.receive_json_from(timeout=5)
    assert message == {
        "event": "error",
        "data": {"message": "Authentication failed: the session has ended"},
    }
    assert await ws.receive_output(timeout=5) == CLOSE_SESSION_ENDED
    await order_updated(user_id)
    assert await ws.receive_nothing(timeout=0.5)


async def assert_still_listening(ws: WebsocketCommunicator, user_id: int) -> None:
    await order_updated(user_id, "DELIVERED")
    statuses = []
    while "DELIVERED" not in statuses:  # after any event sent to the user's closed sockets
        message = await ws.receive_json_from(timeout=5)
        assert message["event"] == "order:updated"
        statuses.append(message["data"]["status"])


def http(method: str, path: str, token: str | None = None, body: dict | None = None):
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return getattr(client, method)(path, body or {}, format="json")


# --- Techaven: logout, refresh-token reuse, password reset ---------------------------------
def test_techaven_logout_closes_the_sockets_of_that_session_only():
    user = TechavenUserFactory()
    phone, laptop = techaven_session_start(user=user), techaven_session_start(user=user)

    async def scenario():
        on_phone = await signed_in(phone.access_token)
        on_laptop = await signed_in(laptop.access_token)
        response = await database_sync_to_async(http)(
            "post", f"{TECHAVEN}/auth/logout", phone.access_token
        )
        assert response.status_code == 200, response.content
        await assert_told_and_closed(on_phone, user.pk)
        await assert_still_listening(on_laptop, user.pk)
        await on_laptop.disconnect()

    run(scenario)


def test_techaven_refresh_token_reuse_closes_the_sessions_sockets():
    user = TechavenUserFactory()
    pair = techaven_session_start(user=user)

    async def scenario():
        ws = await signed_in(pair.access_token)
        body = {"refresh_token": pair.refresh_token}
        rotated = await database_sync_to_async(http)(
            "post", f"{TECHAVEN}/auth/refresh-token", None, body
        )
        assert rotated.status_code == 200, rotated.content
        await assert_still_listening(ws, user.pk)  # rotation keeps the session
        reused = await database_sync_to_async(http)(
            "post", f"{TECHAVEN}/auth/refresh-token", None, body
        )
        assert reused.status_code == 401, reused.content
        await assert_told_and_closed(ws, user.pk)

    run(scenario)


def _reset_password(email: str) -> None:
    sent = http("post", f"{TECHAVEN}/auth/forgot-password", None, {"email": email})
    assert sent.status_code == 200, sent.content
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    verified = http(
        "post",
        f"{TECHAVEN}/auth/verify-otp",
        None,
        {"email": email, "otp": code, "type": "password_reset"},
    )
    assert verified.status_code == 200, verified.content
    reset = http(
        "post",
        f"{TECHAVEN}/auth/reset-password",
        None,
        {
            "email": email,
            "reset_token": verified.json()["data"]["reset_token"],
            "new_password": "newSecure456",
        },
    )
    assert reset.status_code == 200, reset.content


def test_techaven_password_reset_closes_every_socket_of_the_user():
    user = TechavenUserFactory()
    first, second = techaven_session_start(user=user), techaven_session_start(user=user)

    async def scenario():
        sockets = [await signed_in(first.access_token), await signed_in(second.access_token)]
        await database_sync_to_async(_reset_password)(user.email)
        for ws in sockets:
            await assert_told_and_closed(ws, user.pk)

    run(scenario)


def test_techaven_password_change_closes_the_other_devices_sockets():
    user = TechavenUserFactory()
    this, other = techaven_session_start(user=user), techaven_session_start(user=user)

    async def scenario():
        here = await signed_in(this.access_token)
        there = await signed_in(other.access_token)
        body = {"current_password": "secret123", "new_password": "newSecure456"}
        changed = await database_sync_to_async(http)(
            "put", f"{TECHAVEN}/user/password", this.access_token, body
        )
        assert changed.status_code == 200, changed.content
        await assert_told_and_closed(there, user.pk)
        await assert_still_listening(here, user.pk)
        await here.disconnect()

    run(scenario)


# --- CryptoShop: logout of a session token, suspension, turning 2FA on ----------------------
def test_cryptoshop_logout_closes_the_sockets_of_that_session_token():
    account = cryptoshop_user_register()
    account.user.two_factor_enabled = True
    account.user.save(update_fields=["two_factor_enabled"])
    ending = cryptoshop_session_start(user=account.user, remember=False)
    staying = cryptoshop_session_start(user=account.user, remember=False)

    async def scenario():
        closing = await signed_in(ending)
        open_ = await signed_in(staying)
        response = await database_sync_to_async(http)("post", f"{CRYPTOSHOP}/auth/logout", ending)
        assert response.status_code == 200, response.content
        await assert_told_and_closed(closing, account.user.pk)
        await assert_still_listening(open_, account.user.pk)
        await open_.disconnect()

    run(scenario)


def _suspend_in_the_admin(user_pk: int) -> None:
    client = Client()
    client.force_login(StaffUserFactory(is_superuser=True))
    response = client.post(
        "/admin/accounts/user/", {"action": "suspend_selected", ACTION_CHECKBOX_NAME: [user_pk]}
    )
    assert response.status_code == 302, response.content


def test_cryptoshop_suspension_closes_every_socket_of_the_user():
    account = cryptoshop_user_register()
    bystander = cryptoshop_user_register()

    async def scenario():
        sockets = [await signed_in(account.access_token) for _ in range(2)]
        other = await signed_in(bystander.access_token)
        await database_sync_to_async(_suspend_in_the_admin)(account.user.pk)
        for ws in sockets:
            await assert_told_and_closed(ws, account.user.pk)
        await assert_still_listening(other, bystander.user.pk)
        await other.disconnect()

    run(scenario)


def test_turning_2fa_on_closes_the_sockets_of_the_bare_access_token():
    from tests.helpers.cryptoshop import totp_code

    account = cryptoshop_user_register()

    async def scenario():
        ws = await signed_in(account.access_token)
        setup = await database_sync_to_async(http)(
            "post", f"{CRYPTOSHOP}/auth/2fa/setup", account.access_token
        )
        secret = setup.json()["data"]["secret"]
        verified = await database_sync_to_async(http)(
            "post",
            f"{CRYPTOSHOP}/auth/2fa/verify",
            account.access_token,
            {"token": totp_code(secret)},
        )
        assert verified.status_code == 200, verified.content
        await assert_told_and_closed(ws, account.user.pk)
        # the session token from the verify opens a socket that stays
        again = await signed_in(verified.json()["data"]["sessionToken"])
        await assert_still_listening(again, account.user.pk)
        await again.disconnect()

    run(scenario)


# --- after commit only; the periodic re-check as a net --------------------------------------
def test_a_rolled_back_revocation_closes_nothing():
    user = TechavenUserFactory()
    pair = techaven_session_start(user=user)

    def revoke_then_roll_back() -> None:
        session = LoginSession.objects.get(user=user)
        with pytest.raises(RuntimeError), transaction.atomic():
            session_revoke(session=session)
            raise RuntimeError("the use case failed after revoking")

    async def scenario():
        ws = await signed_in(pair.access_token)
        await database_sync_to_async(revoke_then_roll_back)()
        assert await ws.receive_nothing(timeout=1)
        await assert_still_listening(ws, user.pk)
        await ws.disconnect()

    run(scenario)


def test_a_session_ended_without_a_signal_is_closed_at_the_next_recheck(settings):
    settings.REALTIME_SESSION_RECHECK_SECONDS = 1
    user = TechavenUserFactory()
    pair = techaven_session_start(user=user)

    def expire_quietly() -> None:  # as if the revoke message were lost on the way
        LoginSession.objects.filter(user=user).update(expires_at=timezone.now())

    async def scenario():
        ws = await signed_in(pair.access_token)
        await database_sync_to_async(expire_quietly)()
        await assert_told_and_closed(ws, user.pk)

    run(scenario)


@pytest.fixture
def silent_redis():
    """A TCP server that accepts connections and never answers: a Redis that hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


def test_logout_answers_promptly_while_redis_hangs(silent_redis, settings):
    """The revoke message gives up after 2 s (the re-check closes the sockets later)."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [silent_redis]},
        }
    }
    user = TechavenUserFactory()
    pair = techaven_session_start(user=user)
    started = time.monotonic()
    response = http("post", f"{TECHAVEN}/auth/logout", pair.access_token)
    assert response.status_code == 200, response.content
    assert time.monotonic() - started < 3.5
    assert LoginSession.objects.get(user=user).revoked_at is not None


# --- a socket that never signs in ------------------------------------------------------------
def test_a_bare_socket_that_never_authenticates_is_closed_after_the_grace_period(settings):
    settings.REALTIME_AUTH_GRACE_SECONDS = 1

    async def scenario():
        ws = WebsocketCommunicator(application, "/ws/")
        connected, _ = await ws.connect()
        assert connected
        message = await ws.receive_json_from(timeout=5)
        assert message == {
            "event": "error",
            "data": {"message": "Authentication failed: not authenticated in time"},
        }
        assert await ws.receive_output(timeout=5) == CLOSE_SESSION_ENDED

    run(scenario)


def test_a_socket_that_signs_in_within_the_grace_period_stays(settings):
    settings.REALTIME_AUTH_GRACE_SECONDS = 1
    user = TechavenUserFactory()
    pair = techaven_session_start(user=user)

    async def scenario():
        ws = WebsocketCommunicator(application, "/ws/")
        await ws.connect()
        await ws.send_json_to({"event": "authenticate", "data": {"token": pair.access_token}})
        assert (await ws.receive_json_from(timeout=5))["event"] == "authenticated"
        assert await ws.receive_nothing(timeout=1.5)
        await assert_still_listening(ws, user.pk)
        await ws.disconnect()

    run(scenario)
