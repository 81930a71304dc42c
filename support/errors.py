from enum import StrEnum

from core.errors import DomainError, ErrorKind


class SupportErrorCode(StrEnum):
    VALIDATION_ERROR = "VALIDATION_ERROR"
    TICKET_NOT_FOUND = "RESOURCE_NOT_FOUND"
    TICKET_CLOSED = "TICKET_CLOSED"
    STATUS_MOVE_NOT_ALLOWED = "STATUS_MOVE_NOT_ALLOWED"
    NOT_STAFF = "INSUFFICIENT_PERMISSIONS"
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    TOO_MANY_ATTACHMENTS = "TOO_MANY_ATTACHMENTS"


class SupportError(DomainError):
    pass


def invalid(field: str, message: str) -> SupportError:
    return SupportError(SupportErrorCode.VALIDATION_ERROR, message, field=field)


def ticket_not_found() -> SupportError:
    return SupportError(
        SupportErrorCode.TICKET_NOT_FOUND, "Ticket not found", kind=ErrorKind.NOT_FOUND
    )
