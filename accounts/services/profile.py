"""Techaven profile, avatar, password change and account deletion (document section 2)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.errors import AccountError, AccountErrorCode
from accounts.hooks import public_profile_changed
from accounts.locks import user_lock
from accounts.models import EmailOTP, LoginSession, PasswordResetToken, User
from accounts.phones import mobile_network, normalise_mobile
from accounts.services.sessions import sessions_revoke_all
from accounts.services.techaven_auth import password_check_rules
from core.images import avatar_max_pixels, clean_image

UNSET = object()

DELETED_NAME = "Deleted user"


def full_name_check(value: str, *, field: str = "full_name") -> str:
    """The document's rule for names: at least two words."""
    name = " ".join((value or "").split())
    if len(name.split(" ")) < 2:
        raise AccountError(
            "VALIDATION_ERROR", "Full name must contain at least 2 words.", field=field
        )
    return name


def mobile_check(value: str, *, field: str = "phone") -> str:
    """A valid Malawian mobile number on a network Duka knows, in E.164 (`accounts.phones`)."""
    number = normalise_mobile(value)
    if number is None or mobile_network(number) is None:
        raise AccountError(
            AccountErrorCode.INVALID_PHONE,
            "Enter a Malawian mobile number such as +265991234567.",
            field=field,
        )
    return number


@dataclass(frozen=True, slots=True)
class ProfileChanges:
    """Fields the client sent; absent ones (UNSET) are left as they are."""

    full_name: object = UNSET
    phone: object = UNSET  # "" or None clears it
    date_of_birth: object = UNSET  # None clears it
    gender: object = UNSET  # "" or None clears it


@transaction.atomic(durable=True)
def profile_update(*, user: User, changes: ProfileChanges) -> User:
    """Update the profile; the phone must be a Malawian mobile, the birth date not in the future."""
    user = user_lock(user.pk)
    if changes.full_name is not UNSET:
        user.full_name = full_name_check(str(changes.full_name))
    if changes.phone is not UNSET:
        user.phone = mobile_check(str(changes.phone)) if changes.phone else ""
    if changes.date_of_birth is not UNSET:
        born = changes.date_of_birth
        if isinstance(born, dt.date) and born > timezone.localdate():
            raise AccountError(
                "VALIDATION_ERROR", "Date of birth cannot be in the future.", field="date_of_birth"
            )
        user.date_of_birth = born
    if changes.gender is not UNSET:
        user.gender = changes.gender or ""
    # the username and avatar (on sellers' cards) stay as they are
    user.save(update_fields=["full_name", "phone", "date_of_birth", "gender", "updated_at"])
    return user


@transaction.atomic(durable=True)
def profile_avatar_set(*, user: User, data: bytes) -> User:
    """Store a new avatar (checked by content, re-encoded without metadata); drop the old one."""
    image = clean_image(
        data,
        max_bytes=settings.AVATAR_MAX_BYTES,
        max_pixels=avatar_max_pixels(),
        field="avatar",
        name_prefix=f"{user.uid}_",
    )
    user = user_lock(user.pk)
    old = user.avatar.name if user.avatar else ""
    user.avatar.save(image.file.name, image.file, save=False)
    user.save(update_fields=["avatar", "updated_at"])
    public_profile_changed()  # a seller's avatar is on their cards
    if old and old != user.avatar.name:
        storage = user.avatar.storage
        transaction.on_commit(lambda: storage.delete(old), robust=True)
    return user


def _password_incorrect(field: str) -> AccountError:
    message = (
        "Current password is incorrect"
        if field == "current_password"
        else ("Password is incorrect")
    )
    return AccountError(AccountErrorCode.PASSWORD_INCORRECT, message, field=field)


@transaction.atomic(durable=True)
def password_change(
    *, user: User, current_password: str, new_password: str, keep_session: LoginSession | None
) -> None:
    """Change the password; every other device is signed out (this one stays)."""
    user = user_lock(user.pk)
    if not user.check_password(current_password):
        raise _password_incorrect("current_password")
    password_check_rules(new_password)
    user.set_password(new_password)
    user.save(update_fields=["password", "updated_at"])
    sessions_revoke_all(user=user, keep=keep_session)
    PasswordResetToken.objects.filter(user=user, used_at__isnull=True).update(
        used_at=timezone.now()
    )


@transaction.atomic(durable=True)
def account_delete(*, user: User, password: str, reason: str = "") -> None:
    """Close the account for good, keeping the row so orders and ledger entries keep their user.

    The person can no longer sign in; their personal data is erased (e-mail,
    name, phone, birth date, gender, avatar, addresses, payment methods, codes)
    and the e-mail address becomes free for a new account.
    """
    user = user_lock(user.pk)
    if not user.check_password(password):
        raise _password_incorrect("password")
    avatar = user.avatar.name if user.avatar else ""
    storage = user.avatar.storage
    now = timezone.now()
    user.email = ""
    user.full_name = DELETED_NAME
    user.phone = ""
    user.date_of_birth = None
    user.gender = ""
    user.avatar = ""
    user.username = f"deleted_{user.uid}"
    user.set_unusable_password()
    user.is_active = False
    user.deleted_at = now
    user.deletion_reason = (reason or "")[:500]
    user.save()
    public_profile_changed()  # a seller's username and avatar are on their cards
    user.addresses.all().delete()
    user.payment_methods.all().delete()
    EmailOTP.objects.filter(user=user).delete()
    PasswordResetToken.objects.filter(user=user).delete()
    sessions_revoke_all(user=user)
    if avatar:
        transaction.on_commit(lambda: storage.delete(avatar), robust=True)
