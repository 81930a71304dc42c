"""Mobile/web push behind one interface: `sender().send(token, message) -> PushResult`.

- `LoggingSender` (default, `PUSH_SENDER=logging`) writes the push to the log.
- `FcmSender` (`PUSH_SENDER=fcm`) calls Firebase Cloud Messaging HTTP v1
  (`POST {FCM_BASE_URL}/v1/projects/{project}/messages:send`) with an OAuth access token
  that google-auth mints from the Firebase service-account key (`FCM_SERVICE_ACCOUNT_JSON`
  or `FCM_SERVICE_ACCOUNT_FILE`; the project is the key's `project_id` unless
  `FCM_PROJECT_ID` says otherwise). The token is kept per process (`FcmAccessToken`) and
  minted again when it is about to expire (an hour's life, renewed in its last minutes).
  Minting calls Google, so it never happens inside a transaction: the relay calls
  `prepare()` before it opens any, and a send inside one uses the token held (still good in
  its last minutes) or, should it have run out, fails temporarily so the event is retried.
A token the provider answers UNREGISTERED / NOT_FOUND is reported as such and the
device is removed; a temporary failure (429, 5xx, network) raises `PushTemporaryError`
so the relay retries the event.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import google.auth.transport
import httpx
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from google.auth import exceptions as google_exceptions
from google.auth.credentials import TokenState
from google.oauth2 import service_account

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


FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"


class _HttpxRequest(google.auth.transport.Request):
    """google-auth's transport interface over httpx, the HTTP client Duka already uses (its
    own transports need requests or urllib3)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> google.auth.transport.Response:
        try:
            response = httpx.request(
                method, url, content=body, headers=headers, timeout=timeout or self.timeout
            )
        except httpx.HTTPError as exc:
            raise google_exceptions.TransportError(str(exc)) from exc
        return _HttpxResponse(response)


class _HttpxResponse(google.auth.transport.Response):
    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def status(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    @property
    def data(self) -> bytes:
        return self._response.content


def _in_transaction() -> bool:
    return any(connection.in_atomic_block for connection in connections.all())


class FcmAccessToken:
    """The OAuth access token FCM wants, minted by google-auth from the service-account key
    (a JWT signed with the key, exchanged at the key's `token_uri`) and kept until it is
    about to expire. One per key and process (`fcm_access_token`)."""

    def __init__(self, info: Mapping[str, Any], *, timeout: float = 10.0) -> None:
        self.credentials = service_account.Credentials.from_service_account_info(
            info, scopes=[FCM_SCOPE]
        )
        self.project_id: str = info.get("project_id") or ""
        self.timeout = timeout
        self._lock = threading.Lock()

    def refresh_if_due(self) -> None:
        """Mint a new token unless the one held is fresh (google-auth renews in the last
        minutes of its hour). Calls Google: never inside a transaction. Raises
        PushTemporaryError when the token endpoint cannot give one."""
        with self._lock:
            if self.credentials.token_state == TokenState.FRESH:
                return
            try:
                self.credentials.refresh(_HttpxRequest(self.timeout))
            except google_exceptions.GoogleAuthError as exc:
                raise PushTemporaryError(f"FCM access token not minted: {exc}") from exc

    def token(self) -> str:
        """The token to send with. Outside a transaction it is refreshed when due; inside one
        the token held is used while it lasts (also in its last minutes), and one that has
        run out raises PushTemporaryError rather than call Google with locks held."""
        if self.credentials.token_state != TokenState.FRESH and not _in_transaction():
            self.refresh_if_due()
        if self.credentials.token_state == TokenState.INVALID:
            held = "expired" if self.credentials.token else "none minted"
            raise PushTemporaryError(
                f"no usable FCM access token ({held}); the next relay run mints one first"
            )
        return self.credentials.token


_tokens: dict[tuple[str, str], FcmAccessToken] = {}
_tokens_lock = threading.Lock()


def fcm_access_token() -> FcmAccessToken:
    """This process's token holder for the configured key (`FCM_SERVICE_ACCOUNT_JSON` or
    `FCM_SERVICE_ACCOUNT_FILE`, read once per process)."""
    source = conf.fcm_service_account()
    if source is None:
        raise ImproperlyConfigured(
            "PUSH_SENDER=fcm needs the Firebase service-account key: set"
            " FCM_SERVICE_ACCOUNT_FILE (its path) or FCM_SERVICE_ACCOUNT_JSON (its text)"
        )
    with _tokens_lock:
        holder = _tokens.get(source)
        if holder is None:
            kind, value = source
            text = value if kind == "json" else Path(value).read_text()
            try:
                holder = FcmAccessToken(json.loads(text))
            except json.JSONDecodeError as exc:
                raise ImproperlyConfigured(
                    f"the FCM service-account key ({kind}) is not JSON"
                ) from exc
            except (ValueError, TypeError, AttributeError) as exc:  # fields missing, bad PEM
                raise ImproperlyConfigured(
                    f"the FCM service-account key ({kind}) is not usable: {exc}"
                ) from exc
            _tokens[source] = holder
        return holder


def prepare() -> None:
    """Before a relay run opens its transactions: have a fresh FCM access token, so that no
    send has to mint one with rows locked. Nothing to do for the logging sender; a failure
    is logged and the sends that need the token fail temporarily (the event is retried)."""
    if conf.push_sender() != "fcm":
        return
    try:
        fcm_access_token().refresh_if_due()
    except (PushTemporaryError, ImproperlyConfigured, OSError) as exc:
        logger.warning("FCM access token not ready: %s", exc)


class FcmSender:
    def __init__(
        self,
        *,
        project_id: str,
        access_token: FcmAccessToken,
        base_url: str,
        timeout: float = 10.0,
    ) -> None:
        self.url = f"{base_url}/v1/projects/{project_id}/messages:send"
        self.access_token = access_token
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
                headers={"Authorization": f"Bearer {self.access_token.token()}"},
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
        token = fcm_access_token()
        return FcmSender(
            project_id=conf.fcm_project_id() or token.project_id,
            access_token=token,
            base_url=conf.fcm_base_url(),
        )
    return LoggingSender()
