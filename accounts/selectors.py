"""Reads of account data used by more than one caller."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Address, LoginSession, PaymentMethod, User
from core.prepared import prepared_objects
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


# --- who is calling: read on every signed-in request, so with SQL compiled once ----------


def live_session(storefront: str, *, uid: str = "", token_hash: str = "") -> LoginSession | None:
    """The storefront's login session with that `uid` (Techaven) or `token_hash`
    (CryptoShop), its user loaded with it; None when there is none, or it is revoked or
    expired."""
    by, value = ("uid", uid) if uid else ("token_hash", token_hash)
    if not value:
        return None
    found = prepared_objects(
        LoginSession,
        ("live_session", by),
        # parameters in SQL order: one filter() after the other
        lambda: LoginSession.objects.filter(storefront=storefront, revoked_at__isnull=True).filter(
            **{by: value}
        ),
        [storefront, value],
        related=("user",),
    )
    session = found[0] if found else None
    return session if session is not None and session.expires_at > timezone.now() else None


def cryptoshop_account_by_token(token_hash: str) -> User | None:
    """The CryptoShop account whose access token hashes to `token_hash`."""
    found = prepared_objects(
        User,
        "account_by_token",
        lambda: User.objects.filter(storefront=Storefront.CRYPTOSHOP).filter(
            access_token_hash=token_hash
        ),
        [Storefront.CRYPTOSHOP, token_hash],
    )
    return found[0] if found else None
