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
import functools
import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import transaction

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
    layer = get_channel_layer()
    for event, data in messages:
        _socketio_emit(event, data, socketio_room(user_id))
        if layer is not None:
            async_to_sync(layer.group_send)(
                channels_group(user_id), {"type": "event.message", "event": event, "data": data}
            )


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
        layer = get_channel_layer()
        if layer is not None:
            message = {"type": REVOKE_MESSAGE, "sessions": sessions}
            async_to_sync(_group_send_bounded)(layer, revoke_group(user_id), message)

    transaction.on_commit(revoke_message_send, robust=True)


_REVOKE_SEND_TIMEOUT = 2.0  # seconds; a Redis that hangs must not hang a logout


async def _group_send_bounded(layer, group: str, message: dict[str, Any]) -> None:
    await asyncio.wait_for(layer.group_send(group, message), timeout=_REVOKE_SEND_TIMEOUT)
