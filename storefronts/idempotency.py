"""Idempotency-Key handling for mutating requests (scoped to the caller, kept 24 h).

- first request: a record is claimed (committed at once), the view runs, the
  rendered response is stored;
- retry, same key and body: the stored response is replayed with
  `Idempotent-Replayed: true` and nothing runs again;
- same key, different body: 422; retry while the first still runs: 409;
- a 5xx frees the key so that the client may try again;
- an answer marked `Cache-Control: no-store` (every answer of an endpoint that
  hands out credentials: tokens, a TOTP secret, backup or reset codes) is never
  stored: the key is freed as after a 5xx, and a retry runs again. A replayable
  copy of a credential would be a second, longer-lived credential, readable in
  the table and by anyone who can repeat the key within the same scope (before
  sign-in that scope is only the client IP).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone

from core.errors import DomainError, ErrorKind

from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Replay(Exception):
    """Raised from `initial()` to answer with the stored response."""

    def __init__(self, response: HttpResponse) -> None:
        super().__init__("idempotent replay")
        self.response = response


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), b"\0", path.encode(), b"\0", body):
        digest.update(part)
    return digest.hexdigest()


def begin(*, scope: str, key: str, fp: str) -> IdempotencyRecord:
    """Claim `key` for this request, or raise `Replay` / a conflict."""
    if not key or len(key) > 255:
        raise DomainError(
            "VALIDATION_ERROR", "Idempotency-Key must be 1 to 255 characters.", field=HEADER
        )
    now = timezone.now()
    for _ in range(3):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(scope=scope, key=key, fingerprint=fp)
        except IntegrityError:
            pass
        record = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
        if record is None:
            continue
        expired = record.created_at < now - settings.IDEMPOTENCY_TTL
        abandoned = (
            record.status_code is None
            and record.created_at < now - settings.IDEMPOTENCY_LOCK_TIMEOUT
        )
        if expired or abandoned:
            IdempotencyRecord.objects.filter(pk=record.pk, created_at=record.created_at).delete()
            continue
        if record.fingerprint != fp:
            raise DomainError(
                "IDEMPOTENCY_KEY_REUSED",
                "This Idempotency-Key was already used with a different request.",
                kind=ErrorKind.UNPROCESSABLE,
            )
        if record.status_code is None:
            raise DomainError(
                "IDEMPOTENCY_IN_PROGRESS",
                "A request with this Idempotency-Key is still being processed.",
                kind=ErrorKind.CONFLICT,
            )
        response = HttpResponse(
            bytes(record.body or b""), status=record.status_code, content_type=record.content_type
        )
        response["Idempotent-Replayed"] = "true"
        raise Replay(response)
    raise DomainError(
        "IDEMPOTENCY_IN_PROGRESS",
        "A request with this Idempotency-Key is still being processed.",
        kind=ErrorKind.CONFLICT,
    )


def forbids_storing(response: HttpResponse) -> bool:
    """`Cache-Control: no-store` (RFC 9111 5.2.2.5): no part of the answer may be kept."""
    directives = response.get("Cache-Control", "").lower().split(",")
    return any(d.strip() == "no-store" for d in directives)


def finish(record: IdempotencyRecord, response: HttpResponse) -> None:
    if response.status_code >= 500 or forbids_storing(response):
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status_code=response.status_code,
        content_type=response.get("Content-Type", "application/json"),
        body=response.content,
        completed_at=timezone.now(),
    )


def prune() -> int:
    cutoff = timezone.now() - settings.IDEMPOTENCY_TTL
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
