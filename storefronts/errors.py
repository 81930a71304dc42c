"""Turn any exception raised while serving a storefront request into one `Problem`.

Each storefront renders a `Problem` in its own body format; this module is the
only place that knows how DRF, Django and domain exceptions map to statuses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from redis.exceptions import RedisError
from rest_framework import exceptions, status

from core.errors import DomainError, ErrorKind

logger = logging.getLogger("duka.errors")

KIND_STATUS = {
    ErrorKind.INVALID: status.HTTP_400_BAD_REQUEST,
    ErrorKind.UNAUTHENTICATED: status.HTTP_401_UNAUTHORIZED,
    ErrorKind.FORBIDDEN: status.HTTP_403_FORBIDDEN,
    ErrorKind.NOT_FOUND: status.HTTP_404_NOT_FOUND,
    ErrorKind.CONFLICT: status.HTTP_409_CONFLICT,
    ErrorKind.UNPROCESSABLE: status.HTTP_422_UNPROCESSABLE_ENTITY,
    ErrorKind.LOCKED: status.HTTP_423_LOCKED,
    ErrorKind.TOO_MANY: status.HTTP_429_TOO_MANY_REQUESTS,
    ErrorKind.UNAVAILABLE: status.HTTP_503_SERVICE_UNAVAILABLE,
}

STATUS_CODE = {
    400: "BAD_REQUEST",
    401: "AUTHENTICATION_REQUIRED",
    403: "INSUFFICIENT_PERMISSIONS",
    404: "RESOURCE_NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    423: "LOCKED",
    429: "RATE_LIMIT_EXCEEDED",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}
UNAVAILABLE = "The service is unavailable for a moment. Please try again shortly."


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body is too large."
    default_code = "PAYLOAD_TOO_LARGE"


@dataclass
class Problem:
    status: int
    code: str
    message: str
    field_errors: dict[str, list[str]] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail -> {"field.sub": ["message", ...]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for k, v in _flatten(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                name = f"{prefix}.{index}" if prefix else str(index)
                for k, v in _flatten(item, name).items():
                    out.setdefault(k, []).extend(v)
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def _first_message(errors: dict[str, list[str]], fallback: str) -> str:
    for messages in errors.values():
        if messages:
            return messages[0]
    return fallback


def _detail_code(exc: exceptions.APIException, fallback: str) -> str:
    code = getattr(exc, "default_code", None)
    codes = exc.get_codes() if hasattr(exc, "get_codes") else None
    if isinstance(codes, str):
        code = codes
    elif isinstance(codes, dict) and isinstance(codes.get("code"), str):
        code = codes["code"]
    return code.upper() if isinstance(code, str) and code.isupper() else fallback


def problem_from(exc: BaseException) -> Problem:
    if isinstance(exc, DomainError):
        status_code = KIND_STATUS[exc.kind]
        field_errors = {exc.field: [exc.message]} if exc.field else {}
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
        # CryptoShop shows field errors in `details`, as it does for VALIDATION_ERROR
        details = exc.details or dict(field_errors)
        return Problem(status_code, exc.code, exc.message, field_errors, details, headers)

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError("The request could not be read.")

    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        return Problem(
            status.HTTP_400_BAD_REQUEST,
            "VALIDATION_ERROR",
            _first_message(errors, "Validation failed."),
            errors,
            details={k: v for k, v in errors.items()},
        )

    if isinstance(exc, exceptions.APIException):
        status_code = exc.status_code
        headers: dict[str, str] = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if isinstance(exc, exceptions.Throttled):
            headers["Retry-After"] = str(int(exc.wait or 1))
            return Problem(429, "RATE_LIMIT_EXCEEDED", "Rate limit exceeded", headers=headers)
        if isinstance(exc, exceptions.NotFound):
            message = str(exc.detail) if str(exc.detail) != "Not found." else "Resource not found"
            return Problem(404, "RESOURCE_NOT_FOUND", message)
        if isinstance(exc, exceptions.ParseError):
            return Problem(400, "VALIDATION_ERROR", f"Malformed request: {exc.detail}")
        if isinstance(exc, exceptions.AuthenticationFailed | exceptions.NotAuthenticated):
            if isinstance(exc, exceptions.NotAuthenticated):
                fallback = "AUTHENTICATION_REQUIRED"
            else:
                fallback = "INVALID_TOKEN"
            code = _detail_code(exc, fallback)
            detail = exc.detail
            if isinstance(detail, dict):
                message = str(detail.get("detail", "Invalid or expired token"))
            else:
                message = str(detail)
            if status_code == 403:  # DRF coerces 401 to 403 when there is no auth header
                code = "INSUFFICIENT_PERMISSIONS"
            return Problem(status_code, code, message, headers=headers)
        code = _detail_code(exc, STATUS_CODE.get(status_code, "ERROR"))
        if code in {"PERMISSION_DENIED", "ERROR"}:
            code = STATUS_CODE.get(status_code, "ERROR")
        detail = exc.detail
        message = str(detail.get("detail", detail)) if isinstance(detail, dict) else str(detail)
        return Problem(status_code, code, message, headers=headers)

    if isinstance(exc, RedisError):  # what needs Redis cannot go on without it
        logger.warning("Redis not answering: %s", exc)
        return Problem(503, "SERVICE_UNAVAILABLE", UNAVAILABLE)

    logger.exception("Unhandled error while serving a storefront request", exc_info=exc)
    return Problem(500, "INTERNAL_ERROR", "Internal server error")
