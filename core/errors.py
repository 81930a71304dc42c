"""Domain errors: raised by services with a code, formatted once per storefront.

A service never knows about HTTP. It raises a `DomainError` subclass with a
machine-readable `code`, a human `message`, and a `kind` saying what sort of
failure it is; each storefront's exception handler maps the kind to a status
code and renders the body in that storefront's format.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorKind(StrEnum):
    INVALID = "invalid"  # 400: the input breaks a rule
    UNAUTHENTICATED = "unauthenticated"  # 401
    FORBIDDEN = "forbidden"  # 403
    NOT_FOUND = "not_found"  # 404
    CONFLICT = "conflict"  # 409: the state of things forbids it
    UNPROCESSABLE = "unprocessable"  # 422
    LOCKED = "locked"  # 423: the resource is locked (an escrow after too many wrong codes)
    TOO_MANY = "too_many"  # 429
    UNAVAILABLE = "unavailable"  # 503: an outside service (a payment provider) did not answer


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    kind: ErrorKind = ErrorKind.INVALID

    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        kind: ErrorKind | None = None,
        details: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = str(code)
        self.message = message
        self.field = field
        if kind is not None:
            self.kind = kind
        self.details = details or {}
        self.retry_after = retry_after

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"{type(self).__name__}({self.code!r}, {self.message!r}, kind={self.kind})"


class NotFound(DomainError):
    kind = ErrorKind.NOT_FOUND

    def __init__(self, what: str = "Resource", *, code: str = "RESOURCE_NOT_FOUND") -> None:
        super().__init__(code, f"{what} not found")
