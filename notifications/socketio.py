"""The CryptoShop Socket.IO server, mounted at `/socket.io/` in front of the ASGI app.

An unmodified `socket.io-client` connects to the server root with
`auth: {accessToken}` (or connects bare and emits `authenticate` with
`{accessToken}`), joins its user's room and receives `order:updated`,
`escrow:updated`, `support:new_message` and `notification`. A bad token is refused
with a `connect_error` whose message starts with "Authentication failed".
With `REDIS_URL` the server uses `AsyncRedisManager`, so an emit from any process
(the relay in a Celery worker or another server) reaches the client.

A connection (even a bare Engine.IO one that never opens the namespace) that has not
authenticated within `REALTIME_AUTH_GRACE_SECONDS` is closed. A signed-in socket lives as
long as its session: it listens on its user's revoke group (`realtime.sockets_revoke`) and
re-checks the session every `REALTIME_SESSION_RECHECK_SECONDS`; when the session ends it
gets an `error` event and is disconnected.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import socketio
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from core.origins import socketio_origin_allowed
from notifications import conf, realtime
from notifications.realtime_auth import (
    AuthenticationFailed,
    SocketIdentity,
    identity_for_token,
    identity_is_live,
)

logger = logging.getLogger(__name__)

SESSION_ENDED = "Authentication failed: the session has ended"
NOT_AUTHENTICATED_IN_TIME = "Authentication failed: not authenticated in time"

_loop: asyncio.AbstractEventLoop | None = None
_watches: dict[str, asyncio.Task] = {}  # sid -> the task that ends it with its session

_identity_for_token = database_sync_to_async(identity_for_token)
_identity_is_live = database_sync_to_async(identity_is_live)


def _client_manager():
    if conf.redis_url():
        return socketio.AsyncRedisManager(conf.redis_url(), channel=conf.socketio_channel())
    return None


class _Server(socketio.AsyncServer):
    """python-socketio's server with a deadline for signing in that starts at the Engine.IO
    connection: the library has no connect timeout, so a client that opens the transport and
    never the namespace would otherwise hold its connection forever."""

    async def _handle_eio_connect(self, eio_sid, environ):
        result = await super()._handle_eio_connect(eio_sid, environ)
        self.start_background_task(_close_if_anonymous, eio_sid)
        return result


# A browser page may connect from its own host or from CORS_ALLOWED_ORIGINS, as for the
# HTTP APIs and /ws/ (core/origins.py); Engine.IO refuses any other Origin with a 400.
# Tokens travel in `auth`, never in cookies: no credentials.
sio = _Server(
    async_mode="asgi",
    cors_allowed_origins=socketio_origin_allowed,
    cors_credentials=False,
    client_manager=_client_manager(),
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


async def _sign_in(sid: str, token: object) -> None:
    """Authenticate the socket and put it in its user's room; raises AuthenticationFailed."""
    session = await sio.get_session(sid)
    if session.get("user_id"):
        return
    identity = await _identity_for_token(token)
    if not await database_sync_to_async(realtime.connection_slot_take)(identity.user_id):
        raise AuthenticationFailed("too many connections for this user")
    layer = get_channel_layer()
    channel = None
    try:
        if layer is not None:
            # a channel of this socket's own in its user's revoke group
            channel = await layer.new_channel()
            await layer.group_add(realtime.revoke_group(identity.user_id), channel)
        # a revocation committed between the check above and joining the group sent its
        # message to nobody: look once more now that this socket hears them
        if not await _identity_is_live(identity):
            raise AuthenticationFailed("the session has ended")
        session["user_id"] = identity.user_id
        await sio.save_session(sid, session)  # KeyError if the socket has gone meanwhile
        await sio.enter_room(sid, realtime.socketio_room(identity.user_id))
    except BaseException:
        if channel is not None:
            await layer.group_discard(realtime.revoke_group(identity.user_id), channel)
        await database_sync_to_async(realtime.connection_slot_release)(identity.user_id)
        raise
    _watches[sid] = asyncio.ensure_future(_watch(sid, identity, channel))


async def _watch(sid: str, identity: SocketIdentity, channel: str | None) -> None:
    """Ends the socket when its session ends: on a revoke message, or at a periodic re-check
    (the net, should a message be lost). Cancelled when the socket goes away first."""
    layer = get_channel_layer()
    recheck = asyncio.ensure_future(_session_recheck(identity))
    waits = {recheck}
    if channel is not None:
        waits.add(asyncio.ensure_future(_revoke_message(layer, channel, identity)))
    try:
        done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        if not any(task.result() for task in done):
            await recheck  # the listener broke: the re-check alone guards the socket
    finally:
        for task in waits:
            task.cancel()
        if channel is not None:
            with contextlib.suppress(Exception):
                await layer.group_discard(realtime.revoke_group(identity.user_id), channel)
    await _end(sid, SESSION_ENDED)


async def _revoke_message(layer, channel: str, identity: SocketIdentity) -> bool:
    """True once a revoke message ends this socket's session; False if listening failed."""
    try:
        while True:
            message = await layer.receive(channel)
            if message.get("type") != realtime.REVOKE_MESSAGE:
                continue
            sessions = message.get("sessions")
            if sessions is None:
                if not await _identity_is_live(identity):
                    return True
            elif identity.signed_in_with(sessions):
                return True
    except Exception:
        logger.warning("socket revoke listener failed", exc_info=True)
        return False


async def _session_recheck(identity: SocketIdentity) -> bool:
    """True once a periodic look at the session finds it over."""
    while True:
        await asyncio.sleep(conf.realtime_session_recheck_seconds())
        try:
            if not await _identity_is_live(identity):
                return True
        except Exception:  # the database blinked: try again next time
            logger.warning("socket session re-check failed", exc_info=True)


async def _end(sid: str, reason: str) -> None:
    """Tell the client why and close the socket and its Engine.IO transport: a client that
    ignored the namespace disconnect would otherwise keep the connection."""
    eio_sid = sio.manager.eio_sid_from_sid(sid, "/")
    if eio_sid is None:
        return  # already gone
    for room in sio.rooms(sid):
        if room != sid:
            await sio.leave_room(sid, room)  # no event may follow
    await sio.emit("error", {"message": reason}, to=sid, ignore_queue=True)
    await sio.disconnect(sid, ignore_queue=True)
    await sio.eio.disconnect(eio_sid)


async def _close_if_anonymous(eio_sid: str) -> None:
    await sio.sleep(conf.realtime_auth_grace_seconds())
    try:
        eio_session = await sio.eio.get_session(eio_sid)
    except KeyError:
        return  # already gone
    if eio_session.get("/", {}).get("user_id"):
        return
    sid = sio.manager.sid_from_eio_sid(eio_sid, "/")
    if sid is not None and sio.manager.is_connected(sid, "/"):
        await _end(sid, NOT_AUTHENTICATED_IN_TIME)
    else:  # the transport never opened the namespace
        await sio.eio.disconnect(eio_sid)


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
        # the document also lets a client connect first and emit `authenticate`, within
        # the grace period (`_close_if_anonymous`)
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
    watch = _watches.pop(sid, None)
    if watch is not None and watch is not asyncio.current_task():
        watch.cancel()
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
