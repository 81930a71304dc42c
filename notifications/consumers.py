"""The plain WebSocket at `/ws/` (Channels) for both storefronts.

Authenticate with `?token=<Techaven JWT or CryptoShop token>` on the URL, or by sending
`{"event": "authenticate", "data": {"token": "..."}}` (also `accessToken`) first. Then
the socket receives the same events as Socket.IO, as JSON `{"event", "data"}`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from notifications import realtime
from notifications.realtime_auth import AuthenticationFailed, user_for_token

CLOSE_AUTH_FAILED = 4401
CLOSE_TOO_MANY = 4429


@database_sync_to_async
def _user_id(token: object) -> int:
    return user_for_token(token).pk


class EventsConsumer(AsyncJsonWebsocketConsumer):
    user_id: int | None = None

    async def connect(self) -> None:
        await self.accept()
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        token = (query.get("token") or query.get("access_token") or [None])[0]
        if token:
            await self._sign_in(token)

    async def receive_json(self, content: Any, **kwargs) -> None:
        if self.user_id is not None:
            return  # the socket only listens once signed in
        token = None
        if isinstance(content, dict):
            data = content.get("data") if isinstance(content.get("data"), dict) else content
            token = data.get("token") or data.get("accessToken") or data.get("access_token")
        await self._sign_in(token)

    async def _sign_in(self, token: object) -> None:
        try:
            user_id = await _user_id(token)
        except AuthenticationFailed as exc:
            await self.send_json({"event": "error", "data": {"message": str(exc)}})
            await self.close(code=CLOSE_AUTH_FAILED)
            return
        if not await database_sync_to_async(realtime.connection_slot_take)(user_id):
            await self.send_json(
                {"event": "error", "data": {"message": "Too many connections for this user"}}
            )
            await self.close(code=CLOSE_TOO_MANY)
            return
        self.user_id = user_id
        await self.channel_layer.group_add(realtime.channels_group(user_id), self.channel_name)
        await self.send_json({"event": "authenticated", "data": {"success": True}})

    async def disconnect(self, code) -> None:
        if self.user_id is not None:
            await self.channel_layer.group_discard(
                realtime.channels_group(self.user_id), self.channel_name
            )
            await database_sync_to_async(realtime.connection_slot_release)(self.user_id)
            self.user_id = None

    async def event_message(self, message: dict[str, Any]) -> None:
        await self.send_json({"event": message["event"], "data": message["data"]})
