"""Techaven saved payment methods (document section 10).

Providers are the document's three: Airtel Money and TNM Mpamba (mobile money,
numbers checked against each network's ranges) and National Bank (bank
transfer, needs an account number). Exactly one default per user, kept like
the default address: writes lock the user row first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction

from accounts.errors import AccountError, AccountErrorCode
from accounts.locks import user_lock
from accounts.models import PaymentMethod, User
from accounts.phones import AIRTEL, TNM, mobile_network, normalise_mobile
from accounts.services.defaults import delete_keeping_default, make_default
from core.errors import ErrorKind

MOBILE_MONEY = PaymentMethod.Type.MOBILE_MONEY
BANK_TRANSFER = PaymentMethod.Type.BANK_TRANSFER


@dataclass(frozen=True, slots=True)
class Provider:
    type: str
    provider: str
    icon: str
    network: str | None = None  # mobile money: the network whose numbers it serves
    example: str = ""
    number_kind: str = ""  # how the error message names the numbers it takes


PROVIDERS: tuple[Provider, ...] = (
    Provider(MOBILE_MONEY, "Airtel Money", "airtel_money", AIRTEL, "+265991234567", "an Airtel"),
    Provider(MOBILE_MONEY, "TNM Mpamba", "tnm_mpamba", TNM, "+265881234567", "a TNM"),
    Provider(BANK_TRANSFER, "National Bank", "national_bank"),
)
_BY_NAME = {p.provider.casefold(): p for p in PROVIDERS}
ACCOUNT_NUMBER = re.compile(r"^\d{6,20}$")


def provider_get(name: str) -> Provider | None:
    return _BY_NAME.get((name or "").strip().casefold())


@dataclass(frozen=True, slots=True)
class PaymentMethodInput:
    type: str
    provider: str
    phone_number: str = ""
    account_number: str = ""
    is_default: bool = False


def _check(data: PaymentMethodInput) -> tuple[Provider, str, str]:
    provider = provider_get(data.provider)
    if provider is None or provider.type != data.type:
        raise AccountError(
            AccountErrorCode.UNKNOWN_PROVIDER,
            f"Unknown provider for {data.type}: choose one of "
            + ", ".join(p.provider for p in PROVIDERS if p.type == data.type),
            field="provider",
        )
    if provider.type == MOBILE_MONEY:
        number = normalise_mobile(data.phone_number or "")
        if number is None or mobile_network(number) != provider.network:
            raise AccountError(
                AccountErrorCode.INVALID_PHONE,
                f"{provider.provider} needs {provider.number_kind} mobile number"
                f" such as {provider.example}.",
                field="phone_number",
            )
        return provider, number, ""
    account = re.sub(r"[\s-]", "", data.account_number or "")
    if not ACCOUNT_NUMBER.match(account):
        raise AccountError(
            AccountErrorCode.INVALID_ACCOUNT_NUMBER,
            "Enter the bank account number (6 to 20 digits).",
            field="account_number",
        )
    return provider, "", account


@transaction.atomic(durable=True)
def payment_method_create(*, user: User, data: PaymentMethodInput) -> PaymentMethod:
    """Save a payment method; the first one, or one asked to be, becomes the default.
    The same provider and number twice is a conflict (409)."""
    provider, phone, account = _check(data)
    user_lock(user.pk)
    duplicate = PaymentMethod.objects.filter(
        user=user, provider=provider.provider, phone_number=phone, account_number=account
    ).exists()
    if duplicate:
        raise AccountError(
            AccountErrorCode.PAYMENT_METHOD_EXISTS,
            "Payment method already added",
            kind=ErrorKind.CONFLICT,
        )
    has_default = PaymentMethod.objects.filter(user=user, is_default=True).exists()
    method = PaymentMethod.objects.create(
        user=user,
        type=provider.type,
        provider=provider.provider,
        phone_number=phone,
        account_number=account,
        is_default=False,
    )
    if data.is_default or not has_default:
        make_default(method)
    return method


@transaction.atomic(durable=True)
def payment_method_delete(*, user: User, uid: str | None) -> None:
    """Delete a payment method; when it was the default, the oldest remaining one takes over."""
    user_lock(user.pk)
    method = PaymentMethod.objects.filter(user=user, uid=uid).first() if uid else None
    if method is None:
        raise AccountError(
            AccountErrorCode.PAYMENT_METHOD_NOT_FOUND,
            "Payment method not found",
            kind=ErrorKind.NOT_FOUND,
        )
    delete_keeping_default(method)
