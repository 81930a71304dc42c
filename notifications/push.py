"""Mobile/web push behind one interface: `sender().send(token, message) -> PushResult`.

- `LoggingSender` (default, `PUSH_SENDER=logging`) writes the push to the log.
- `FcmSender` (`PUSH_SENDER=fcm`) calls Firebase Cloud Messaging HTTP v1
  (`POST {FCM_BASE_URL}/v1/projects/{FCM_PROJECT_ID}/messages:send`). Simplification:
  it sends a configured OAuth bearer token (`FCM_BEARER_TOKEN`) instead of minting one
  from a service-account key; refresh that token outside Duka.
A token the provider answers UNREGISTERED / NOT_FOUND is reported as such and the
device is removed; a temporary failure (429, 5xx, network) raises `PushTemporaryError`
so the relay retries the event.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import httpx

from notifications import conf

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PushMessage:
    title: str
    body: str
    data: dict[str, Any] = field(default_factory=dict)


class PushResult(StrEnum):
    SENT = "sent"
    UNREGISTERED = "unregistered"  # the token is dead: forget the device
    REJECTED = "rejected"  # a permanent error for this message: do not retry


class PushTemporaryError(Exception):
    """The provider could not take the message now; try again later."""


class PushSender(Protocol):
    def send(self, token: str, message: PushMessage) -> PushResult: ...


class LoggingSender:
    def send(self, token: str, message: PushMessage) -> PushResult:
        logger.info("push to %s…: %s — %s", token[:12], message.title, message.body)
        return PushResult.SENT


class FcmSender:
    def __init__(
        self, *, project_id: str, bearer_token: str, base_url: str, timeout: float = 10.0
    ) -> None:
        self.url = f"{base_url}/v1/projects/{project_id}/messages:send"
        self.bearer_token = bearer_token
        self.timeout = timeout

    def send(self, token: str, message: PushMessage) -> PushResult:
        body = {
            "message": {
                "token": token,
                "notification": {"title": message.title, "body": message.body},
                # FCM data values must be strings
                "data": {str(k): str(v) for k, v in message.data.items()},
            }
        }
        try:
            response = httpx.post(
                self.url,
                json=body,
                headers={"Authorization": f"Bearer {self.bearer_token}"},
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise PushTemporaryError(f"FCM unreachable: {exc}") from exc
        if response.status_code == 200:
            return PushResult.SENT
        if _is_unregistered(response):
            return PushResult.UNREGISTERED
        if response.status_code == 429 or response.status_code >= 500:
            raise PushTemporaryError(f"FCM answered {response.status_code}")
        logger.warning("FCM refused a push (%s): %s", response.status_code, response.text[:500])
        return PushResult.REJECTED


def _is_unregistered(response: httpx.Response) -> bool:
    try:
        error = response.json().get("error", {})
    except ValueError:
        return False
    if error.get("status") == "NOT_FOUND":
        return True
    return any(
        isinstance(d, dict) and d.get("errorCode") == "UNREGISTERED"
        for d in error.get("details", [])
    )


def sender() -> PushSender:
    if conf.push_sender() == "fcm":
        return FcmSender(
            project_id=conf.fcm_project_id(),
            bearer_token=conf.fcm_bearer_token(),
            base_url=conf.fcm_base_url(),
        )
    return LoggingSender()
