from enum import StrEnum

from core.errors import DomainError, ErrorKind


class EscrowErrorCode(StrEnum):
    ESCROW_NOT_FOUND = "ESCROW_NOT_FOUND"
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    ESCROW_EXISTS = "ESCROW_EXISTS"
    ONLY_BUYER = "ONLY_BUYER"
    ONE_SELLER = "ONE_SELLER"
    ORDER_NOT_PAYABLE = "ORDER_NOT_PAYABLE"
    RELEASE_CODE_INVALID = "RELEASE_CODE_INVALID"
    ESCROW_LOCKED = "ESCROW_LOCKED"
    NOT_RELEASABLE = "NOT_RELEASABLE"
    NOT_DISPUTABLE = "NOT_DISPUTABLE"
    NOT_RESOLVABLE = "NOT_RESOLVABLE"
    HELD_IN_ESCROW = "HELD_IN_ESCROW"
    BAD_SPLIT = "BAD_SPLIT"
    REASON_REQUIRED = "REASON_REQUIRED"
    NOT_ALLOWED = "NOT_ALLOWED"


class EscrowError(DomainError):
    kind = ErrorKind.INVALID


def escrow_not_found() -> EscrowError:
    return EscrowError(
        EscrowErrorCode.ESCROW_NOT_FOUND, "Escrow transaction not found", kind=ErrorKind.NOT_FOUND
    )
