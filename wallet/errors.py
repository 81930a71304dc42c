from enum import StrEnum

from core.errors import DomainError, ErrorKind


class PaymentErrorCode(StrEnum):
    BAD_SIGNATURE = "BAD_SIGNATURE"
    BAD_CALLBACK = "BAD_CALLBACK"
    UNKNOWN_REFERENCE = "UNKNOWN_REFERENCE"
    PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE"


class PaymentError(DomainError):
    kind = ErrorKind.INVALID


def unknown_payment() -> PaymentError:
    return PaymentError(
        PaymentErrorCode.UNKNOWN_REFERENCE, "Unknown payment", kind=ErrorKind.NOT_FOUND
    )


def provider_unavailable(what: str = "The payment provider") -> PaymentError:
    return PaymentError(
        PaymentErrorCode.PROVIDER_UNAVAILABLE,
        f"{what} could not be reached. Nothing was charged; please try again.",
        kind=ErrorKind.UNAVAILABLE,
    )


class WalletErrorCode(StrEnum):
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    INVALID_PHONE = "INVALID_PHONE"
    INVALID_ADDRESS = "INVALID_ADDRESS"
    WALLET_NOT_FOUND = "WALLET_NOT_FOUND"
    WALLET_EXISTS = "WALLET_EXISTS"
    NO_PAYOUT_ADDRESS = "NO_PAYOUT_ADDRESS"
    WITHDRAWAL_NOT_PENDING = "WITHDRAWAL_NOT_PENDING"
    INVALID_TXID = "INVALID_TXID"
    REASON_REQUIRED = "REASON_REQUIRED"
    UNBALANCED = "UNBALANCED"
    ADJUSTMENT_NOT_ALLOWED = "ADJUSTMENT_NOT_ALLOWED"
    WITHDRAWAL_DECISION_NOT_ALLOWED = "WITHDRAWAL_DECISION_NOT_ALLOWED"


class WalletError(DomainError):
    kind = ErrorKind.INVALID


class InsufficientFunds(WalletError):
    """A wallet (or another account that holds money) would go below zero."""

    def __init__(self, message: str = "Insufficient wallet balance", *, field: str | None = None):
        super().__init__(WalletErrorCode.INSUFFICIENT_FUNDS, message, field=field)
