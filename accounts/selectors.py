"""Reads of account data used by more than one caller."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Address, PaymentMethod, User
from core.storefront import Storefront


def techaven_user_by_email(email: str) -> User | None:
    """The live Techaven account for `email` (case-insensitive); deleted accounts have none."""
    if not email:
        return None
    return (
        User.objects.filter(
            storefront=Storefront.TECHAVEN, email__iexact=email.strip(), deleted_at__isnull=True
        )
        .order_by("pk")
        .first()
    )


def address_list(*, user: User) -> QuerySet[Address]:
    return Address.objects.filter(user=user).order_by("-is_default", "created_at", "pk")


def payment_method_list(*, user: User) -> QuerySet[PaymentMethod]:
    return PaymentMethod.objects.filter(user=user).order_by("-is_default", "created_at", "pk")
