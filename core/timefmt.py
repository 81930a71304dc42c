"""Datetimes as both storefronts render them: UTC, whole seconds, `Z`."""

from __future__ import annotations

from datetime import UTC, datetime

API_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # REST_FRAMEWORK["DATETIME_FORMAT"] uses it too


def api_datetime(value: datetime | None) -> str | None:
    """The API's rendering, for payloads built outside a serializer (events, webhooks)."""
    return value.astimezone(UTC).strftime(API_DATETIME_FORMAT) if value else None
