"""Catalog error codes. Codes follow the CryptoShop document where it names one
(VALIDATION_ERROR, RESOURCE_NOT_FOUND, INSUFFICIENT_PERMISSIONS); Techaven shows only
the message and the field."""

from enum import StrEnum

from core.errors import DomainError, ErrorKind


class CatalogErrorCode(StrEnum):
    VALIDATION_ERROR = "VALIDATION_ERROR"
    NOT_FOUND = "RESOURCE_NOT_FOUND"
    FORBIDDEN = "INSUFFICIENT_PERMISSIONS"
    REVIEW_EXISTS = "REVIEW_EXISTS"
    OWN_PRODUCT_REVIEW = "CANNOT_REVIEW_OWN_PRODUCT"
    SELLER_PROFILE_EXISTS = "SELLER_PROFILE_EXISTS"
    NOT_A_SELLER = "SELLER_PROFILE_REQUIRED"


class CatalogError(DomainError):
    pass


def invalid(message: str, field: str | None = None) -> CatalogError:
    return CatalogError(
        CatalogErrorCode.VALIDATION_ERROR,
        message,
        field=field,
        kind=ErrorKind.INVALID,
        details={field: [message]} if field else None,
    )


def not_found(what: str) -> CatalogError:
    return CatalogError(CatalogErrorCode.NOT_FOUND, f"{what} not found", kind=ErrorKind.NOT_FOUND)


def forbidden(message: str, code: str = CatalogErrorCode.FORBIDDEN) -> CatalogError:
    return CatalogError(code, message, kind=ErrorKind.FORBIDDEN)


def conflict(code: CatalogErrorCode, message: str) -> CatalogError:
    return CatalogError(code, message, kind=ErrorKind.CONFLICT)
