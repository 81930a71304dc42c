"""Real-time push to one user's open sockets, from any process.

Every authenticated socket sits in its user's room: the Socket.IO room `user:<id>` and
the Channels group `events.user.<id>`. With `REDIS_URL` both go through Redis (the
Socket.IO Redis manager's pub/sub channel and the Channels Redis layer), so the relay
running in a Celery worker or another server process reaches sockets anywhere. Without
Redis (the embedded default) they are in-process, which is all a single process needs.

A socket lives no longer than the session it signed in with (issue 12, finding 6): every
authenticated socket, of either transport, also listens on its user's Channels group
`realtime.revoke.<id>`, and `sockets_revoke` (after the revoking transaction commits)
sends there the sessions that ended; the process holding the socket closes it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import os
import threading
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.core.cache import cache
from django.db import transaction
from redis.exceptions import ConnectionError as RedisConnectionError

from notifications import conf

logger = logging.getLogger(__name__)


def socketio_room(user_id: int) -> str:
    return f"user:{user_id}"


def channels_group(user_id: int) -> str:
    return f"events.user.{user_id}"


def revoke_group(user_id: int) -> str:
    """The Channels group every signed-in socket of the user listens on for revocations."""
    return f"realtime.revoke.{user_id}"


REVOKE_MESSAGE = "session.revoked"  # the Channels message type (`session_revoked` handler)


@functools.cache
def _redis_emitter():
    import socketio

    return socketio.RedisManager(conf.redis_url(), channel=conf.socketio_channel(), write_only=True)


def _socketio_emit(event: str, data: dict[str, Any], room: str) -> None:
    if conf.redis_url():
        _redis_emitter().emit(event, data, room=room, namespace="/")
        return
    from notifications import socketio as server

    server.emit_from_sync(event, data, room)


def push_to_user(user_id: int, messages: list[tuple[str, dict[str, Any]]]) -> None:
    """Send each (event, payload) to the user's Socket.IO and plain WebSocket clients."""
    if not messages:
        return
    for event, data in messages:
        _socketio_emit(event, data, socketio_room(user_id))
    group = channels_group(user_id)
    group_send(
        [
            (group, {"type": "event.message", "event": event, "data": data})
            for event, data in messages
        ],
        timeout=_PUSH_SEND_TIMEOUT,
    )


_PUSH_SEND_TIMEOUT = 10.0  # seconds; past it the relay's attempt fails and is retried


# --- Channels groups from synchronous code ---------------------------------------------
def group_send(sends: list[tuple[str, dict[str, Any]]], *, timeout: float) -> None:
    """Send each (group, message) through the channel layer, in order, from synchronous code.

    With Redis the sends run on one event loop per process, kept in a thread of its own:
    the Redis layer keeps a connection per event loop, and `async_to_sync` starts a new loop
    on every call from a thread without one (a Celery worker's, a WSGI request's), so each
    send opened and closed a Redis connection (3.5 ms of CPU; on the kept loop a send is a
    PUBLISH on an open connection). The in-memory layer of the embedded default keeps
    `async_to_sync`, which runs the sends on the server's own loop when there is one, where
    its sockets' queues live.
    """
    layer = get_channel_layer()
    if layer is None or not sends:
        return
    if isinstance(layer, InMemoryChannelLayer):
        async_to_sync(_group_send_all)(layer, sends, timeout)
        return
    future = asyncio.run_coroutine_threadsafe(_group_send_all(layer, sends, timeout), _sends_loop())
    try:
        future.result(timeout + 1)  # the loop's own deadline, or the loop is stuck
    except concurrent.futures.TimeoutError:
        future.cancel()
        raise


async def _group_send_all(layer, sends: list[tuple[str, dict[str, Any]]], timeout: float) -> None:
    async def send_all() -> None:
        for group, message in sends:
            try:
                await layer.group_send(group, message)
            except RedisConnectionError:  # the kept connection was closed (a Redis restart,
                await layer.group_send(group, message)  # an idle timeout): once more, anew

    await asyncio.wait_for(send_all(), timeout=timeout)


_loop_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_thread: threading.Thread | None = None


def _sends_loop() -> asyncio.AbstractEventLoop:
    """This process's loop for the channel layer's sends, started anew if its thread ended."""
    global _loop, _loop_thread
    with _loop_lock:
        if _loop is None or _loop_thread is None or not _loop_thread.is_alive():
            _loop = asyncio.new_event_loop()
            _loop_thread = threading.Thread(
                target=_loop.run_forever, name="channel-layer-sends", daemon=True
            )
            _loop_thread.start()
        return _loop


def _forget_sends_loop() -> None:
    """In a forked child: the parent's loop thread is not there (nor, maybe, its lock)."""
    global _loop, _loop_thread, _loop_lock
    _loop, _loop_thread, _loop_lock = None, None, threading.Lock()


os.register_at_fork(after_in_child=_forget_sends_loop)


# --- connections per user (the CryptoShop document: 10 per user) -------------
# Counted in the cache (Redis when configured) so that the limit holds across processes.
# The count expires a day after the user's last connect, so a crashed process cannot
# lock a user out for longer than that.
_SLOT_TTL = 24 * 3600


def _slot_key(user_id: int) -> str:
    return f"realtime:connections:{user_id}"


def connection_slot_take(user_id: int) -> bool:
    key = _slot_key(user_id)
    cache.add(key, 0, _SLOT_TTL)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, _SLOT_TTL)
        count = 1
    cache.touch(key, _SLOT_TTL)
    if count > conf.realtime_max_connections():
        connection_slot_release(user_id)
        return False
    return True


def connection_slot_release(user_id: int) -> None:
    key = _slot_key(user_id)
    try:
        if cache.decr(key) < 0:
            cache.set(key, 0, _SLOT_TTL)
    except ValueError:
        pass


# --- revocation ------------------------------------------------------------------------
def sockets_revoke(*, user_id: int, session_uids: Iterable[str] | None = None) -> None:
    """Close the user's sockets signed in with these sessions, or, with None, make every
    socket of the user check its credential again (suspension, deletion, 2FA turned on,
    "every session" revocations), once the current transaction commits.

    Sent after commit so that a revocation rolled back closes nothing. A message lost on
    the way (Redis down) is not retried: each socket re-checks its session periodically
    (`REALTIME_SESSION_RECHECK_SECONDS`), which closes it a little later.
    """
    sessions = None if session_uids is None else list(session_uids)

    def revoke_message_send() -> None:
        message = {"type": REVOKE_MESSAGE, "sessions": sessions}
        group_send([(revoke_group(user_id), message)], timeout=_REVOKE_SEND_TIMEOUT)

    transaction.on_commit(revoke_message_send, robust=True)


_REVOKE_SEND_TIMEOUT = 2.0  # seconds; a Redis that hangs must not hang a logout
