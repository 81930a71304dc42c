"""The CryptoShop Socket.IO server, mounted at `/socket.io/` in front of the ASGI app.

An unmodified `socket.io-client` connects to the server root with
`auth: {accessToken}` (or connects bare and emits `authenticate` with
`{accessToken}`), joins its user's room and receives `order:updated`,
`escrow:updated`, `support:new_message` and `notification`. A bad token is refused
with a `connect_error` whose message starts with "Authentication failed".
With `REDIS_URL` the server uses `AsyncRedisManager`, so an emit from any process
(the relay in a Celery worker or another server) reaches the client.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import socketio
from channels.db import database_sync_to_async

from notifications import conf, realtime
from notifications.realtime_auth import AuthenticationFailed, user_for_token

logger = logging.getLogger(__name__)

_loop: asyncio.AbstractEventLoop | None = None


def _client_manager():
    if conf.redis_url():
        return socketio.AsyncRedisManager(conf.redis_url(), channel=conf.socketio_channel())
    return None


# Tokens travel in `auth`, never in cookies, so any origin may connect.
sio = socketio.AsyncServer(
    async_mode="asgi", cors_allowed_origins="*", client_manager=_client_manager()
)


def _remember_loop() -> None:
    global _loop
    _loop = asyncio.get_running_loop()


def emit_from_sync(event: str, data: dict[str, Any], room: str) -> None:
    """Emit on this process's server from sync code (the relay, without Redis)."""
    loop = _loop
    if loop is None or loop.is_closed():
        return  # no server runs in this process, so no client is connected to it
    future = asyncio.run_coroutine_threadsafe(sio.emit(event, data, room=room), loop)
    future.result(timeout=10)


@database_sync_to_async
def _authenticate(token: object) -> int:
    return user_for_token(token, storefront="cryptoshop").pk


async def _sign_in(sid: str, token: object) -> None:
    """Authenticate the socket and put it in its user's room; raises AuthenticationFailed."""
    session = await sio.get_session(sid)
    if session.get("user_id"):
        return
    user_id = await _authenticate(token)
    if not await database_sync_to_async(realtime.connection_slot_take)(user_id):
        raise AuthenticationFailed("too many connections for this user")
    session["user_id"] = user_id
    await sio.save_session(sid, session)
    await sio.enter_room(sid, realtime.socketio_room(user_id))


async def _close_if_anonymous(sid: str) -> None:
    await sio.sleep(conf.realtime_auth_grace_seconds())
    try:
        session = await sio.get_session(sid)
    except KeyError:
        return  # already gone
    if not session.get("user_id"):
        await sio.disconnect(sid)


def _token_from(payload: Any) -> Any:
    if isinstance(payload, dict):
        return payload.get("accessToken") or payload.get("access_token") or payload.get("token")
    return payload if isinstance(payload, str) else None


@sio.event
async def connect(sid: str, environ: dict, auth: Any = None) -> None:
    _remember_loop()
    await sio.save_session(sid, {})
    token = _token_from(auth)
    if token is None:
        # the document also lets a client connect first and emit `authenticate`
        sio.start_background_task(_close_if_anonymous, sid)
        return
    try:
        await _sign_in(sid, token)
    except AuthenticationFailed as exc:
        raise socketio.exceptions.ConnectionRefusedError(str(exc)) from exc


@sio.event
async def authenticate(sid: str, data: Any = None) -> dict[str, Any]:
    try:
        await _sign_in(sid, _token_from(data))
    except AuthenticationFailed as exc:
        await sio.emit("error", {"message": str(exc)}, to=sid)
        await sio.disconnect(sid)
        return {"success": False, "error": str(exc)}
    await sio.emit("authenticated", {"success": True}, to=sid)
    return {"success": True}


@sio.event
async def disconnect(sid: str, reason: Any = None) -> None:
    try:
        session = await sio.get_session(sid)
    except KeyError:
        return
    if session.get("user_id"):
        await database_sync_to_async(realtime.connection_slot_release)(session["user_id"])


def mount(application):
    """Wrap the ASGI app: `/socket.io/` goes to Socket.IO, everything else to `application`."""
    return socketio.ASGIApp(
        sio, other_asgi_app=application, socketio_path="socket.io", on_startup=_remember_loop
    )
