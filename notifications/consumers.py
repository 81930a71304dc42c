"""The plain WebSocket at `/ws/` (Channels) for both storefronts.

Authenticate with `?token=<Techaven JWT or CryptoShop token>` on the URL, or by sending
`{"event": "authenticate", "data": {"token": "..."}}` (also `accessToken`) first, within
`REALTIME_AUTH_GRACE_SECONDS`. Then the socket receives the same events as Socket.IO, as
JSON `{"event", "data"}`, for as long as the session it signed in with holds: when the
session ends (logout, refresh-token reuse, password reset, suspension) the socket gets an
`error` event and is closed with code 4401.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from notifications import conf, realtime
from notifications.realtime_auth import (
    AuthenticationFailed,
    SocketIdentity,
    identity_for_token,
    identity_is_live,
)

logger = logging.getLogger(__name__)

CLOSE_AUTH_FAILED = 4401
CLOSE_TOO_MANY = 4429

SESSION_ENDED = "Authentication failed: the session has ended"
NOT_AUTHENTICATED_IN_TIME = "Authentication failed: not authenticated in time"

_identity_for_token = database_sync_to_async(identity_for_token)
_identity_is_live = database_sync_to_async(identity_is_live)


class EventsConsumer(AsyncJsonWebsocketConsumer):
    identity: SocketIdentity | None = None
    _watch: asyncio.Task | None = None

    async def connect(self) -> None:
        await self.accept()
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        token = (query.get("token") or query.get("access_token") or [None])[0]
        if token:
            await self._sign_in(token)
        else:
            self._watch = asyncio.create_task(self._close_if_anonymous())

    async def receive_json(self, content: Any, **kwargs) -> None:
        if self.identity is not None:
            return  # the socket only listens once signed in
        token = None
        if isinstance(content, dict):
            data = content.get("data") if isinstance(content.get("data"), dict) else content
            token = data.get("token") or data.get("accessToken") or data.get("access_token")
        await self._sign_in(token)

    async def _sign_in(self, token: object) -> None:
        self._stop_watch()  # every attempt ends signed in or closed
        try:
            identity = await _identity_for_token(token)
        except AuthenticationFailed as exc:
            await self._close(str(exc))
            return
        if not await database_sync_to_async(realtime.connection_slot_take)(identity.user_id):
            await self._close("Too many connections for this user", CLOSE_TOO_MANY)
            return
        self.identity = identity
        await self.channel_layer.group_add(
            realtime.revoke_group(identity.user_id), self.channel_name
        )
        # a revocation committed between the check above and joining the group sent its
        # message to nobody: look once more now that this socket hears them
        if not await _identity_is_live(identity):
            await self._close(SESSION_ENDED)
            return
        await self.channel_layer.group_add(
            realtime.channels_group(identity.user_id), self.channel_name
        )
        self._watch = asyncio.create_task(self._recheck_periodically())
        await self.send_json({"event": "authenticated", "data": {"success": True}})

    async def _close_if_anonymous(self) -> None:
        await asyncio.sleep(conf.realtime_auth_grace_seconds())
        if self.identity is None:
            await self._close(NOT_AUTHENTICATED_IN_TIME)

    async def _recheck_periodically(self) -> None:
        """The net under the revoke message (lost if Redis blinked): the session is looked
        up again every `REALTIME_SESSION_RECHECK_SECONDS`."""
        while self.identity is not None:
            await asyncio.sleep(conf.realtime_session_recheck_seconds())
            try:
                live = self.identity is None or await _identity_is_live(self.identity)
            except Exception:  # the database blinked: try again next time
                logger.warning("socket session re-check failed", exc_info=True)
                continue
            if not live:
                await self._close(SESSION_ENDED)

    async def session_revoked(self, message: dict[str, Any]) -> None:
        """`realtime.sockets_revoke`: these sessions ended, or (None) check yours again."""
        identity = self.identity
        if identity is None:
            return
        sessions = message.get("sessions")
        if sessions is None:
            ended = not await _identity_is_live(identity)
        else:
            ended = identity.signed_in_with(sessions)
        if ended:
            await self._close(SESSION_ENDED)

    async def _close(self, reason: str, code: int = CLOSE_AUTH_FAILED) -> None:
        """Tell the client why, stop listening at once (no event may follow), close."""
        await self._leave()
        await self.send_json({"event": "error", "data": {"message": reason}})
        await self.close(code=code)

    async def _leave(self) -> None:
        identity, self.identity = self.identity, None
        if identity is not None:
            await self.channel_layer.group_discard(
                realtime.channels_group(identity.user_id), self.channel_name
            )
            await self.channel_layer.group_discard(
                realtime.revoke_group(identity.user_id), self.channel_name
            )
            await database_sync_to_async(realtime.connection_slot_release)(identity.user_id)

    def _stop_watch(self) -> None:
        watch, self._watch = self._watch, None
        if watch is not None and watch is not asyncio.current_task():
            watch.cancel()

    async def disconnect(self, code) -> None:
        self._stop_watch()
        await self._leave()

    async def event_message(self, message: dict[str, Any]) -> None:
        if self.identity is not None:
            await self.send_json({"event": message["event"], "data": message["data"]})
