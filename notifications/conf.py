"""Settings of the events layer, read when used (so tests can override them).

Each is `getattr(settings, NAME, default)`, else the environment variable of the same
name, else the default.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from core.conf import setting_bool as _bool
from core.conf import setting_int as _int
from core.conf import setting_str as _str


def webhooks_allow_private() -> bool:
    """True lets webhook URLs reach loopback/private addresses (local development, tests)."""
    return _bool("WEBHOOKS_ALLOW_PRIVATE", False)


def webhook_timeout() -> float:
    return float(_int("WEBHOOK_TIMEOUT_SECONDS", 10))


def webhook_retry_delays() -> list[int]:
    """Seconds to wait before each retry: 30 s doubling up to 6 h, 13 retries, about a day."""
    delays = [min(30 * 2**n, 6 * 3600) for n in range(13)]
    return delays[: _int("WEBHOOK_MAX_RETRIES", len(delays))]


def webhooks_per_user() -> int:
    return _int("WEBHOOKS_PER_USER", 10)


def outbox_retention() -> timedelta:
    return timedelta(days=_int("OUTBOX_RETENTION_DAYS", 7))


def webhook_log_retention() -> timedelta:
    return timedelta(days=_int("WEBHOOK_LOG_RETENTION_DAYS", 30))


def outbox_max_attempts() -> int:
    return _int("OUTBOX_MAX_ATTEMPTS", 20)


def outbox_retry_delay(attempts: int) -> timedelta:
    """Backoff between relay attempts of a failing event: 5 s doubling, at most an hour."""
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 3600))


def realtime_max_connections() -> int:
    """The CryptoShop document's limit: 10 WebSocket connections per user."""
    return _int("REALTIME_MAX_CONNECTIONS_PER_USER", 10)


def realtime_auth_grace_seconds() -> int:
    """A socket (Socket.IO, its Engine.IO transport, or /ws/) that has not authenticated
    by then is closed."""
    return _int("REALTIME_AUTH_GRACE_SECONDS", 30)


def realtime_session_recheck_seconds() -> int:
    """How often a signed-in socket checks that its session still holds (the net under the
    revoke message)."""
    return max(_int("REALTIME_SESSION_RECHECK_SECONDS", 30), 1)


def push_sender() -> str:
    """ "logging" (default) or "fcm"."""
    return _str("PUSH_SENDER", "logging")


def fcm_service_account() -> tuple[str, str] | None:
    """Where the Firebase service-account key is: `("json", <the key file's text>)` from
    `FCM_SERVICE_ACCOUNT_JSON`, else `("file", <path>)` from `FCM_SERVICE_ACCOUNT_FILE`."""
    text = _str("FCM_SERVICE_ACCOUNT_JSON", "").strip()
    if text:
        return ("json", text)
    path = _str("FCM_SERVICE_ACCOUNT_FILE", "").strip()
    if path:
        return ("file", path)
    return None


def fcm_project_id() -> str:
    """The Firebase project to send through; empty: the service-account key's `project_id`."""
    return _str("FCM_PROJECT_ID", "")


def fcm_base_url() -> str:
    return _str("FCM_BASE_URL", "https://fcm.googleapis.com").rstrip("/")


def redis_url() -> str:
    return getattr(settings, "REDIS_URL", "") or ""


def socketio_channel() -> str:
    """Redis pub/sub channel of the Socket.IO manager; pub/sub ignores the Redis DB number,
    so it carries the cache prefix to keep parallel deployments (and test workers) apart."""
    return f"{settings.CACHE_KEY_PREFIX}:socketio"
