from enum import StrEnum

from core.errors import DomainError, ErrorKind


class PaymentErrorCode(StrEnum):
    BAD_SIGNATURE = "BAD_SIGNATURE"
    BAD_CALLBACK = "BAD_CALLBACK"
    UNKNOWN_REFERENCE = "UNKNOWN_REFERENCE"
    PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE"  # the provider could not confirm a callback


class PaymentError(DomainError):
    kind = ErrorKind.INVALID


def unknown_payment() -> PaymentError:
    return PaymentError(
        PaymentErrorCode.UNKNOWN_REFERENCE, "Unknown payment", kind=ErrorKind.NOT_FOUND
    )
