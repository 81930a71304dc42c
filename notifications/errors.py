from enum import StrEnum

from core.errors import DomainError, ErrorKind


class NotificationErrorCode(StrEnum):
    UNSAFE_WEBHOOK_URL = "VALIDATION_ERROR"
    TOO_MANY_WEBHOOKS = "TOO_MANY_WEBHOOKS"


class NotificationError(DomainError):
    kind = ErrorKind.INVALID


def too_many_webhooks(limit: int) -> NotificationError:
    return NotificationError(
        NotificationErrorCode.TOO_MANY_WEBHOOKS,
        f"At most {limit} webhooks per account",
        kind=ErrorKind.UNPROCESSABLE,
    )
