"""Staff moderation: suspending an account stops it signing in on its storefront."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services.sessions import sessions_revoke_all

logger = logging.getLogger("duka.moderation")


@transaction.atomic
def user_suspend(*, user: User, reason: str, by: User | None) -> User:
    """Suspend `user` and sign them out everywhere.

    Their tokens stay on record but every request with them answers 403
    (`ACCOUNT_SUSPENDED`), and so does a new sign-in. Suspending a suspended
    account keeps the first time and reason.
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.suspended_at is None:
        locked.suspended_at = timezone.now()
        locked.suspension_reason = reason[:255]
        locked.save(update_fields=["suspended_at", "suspension_reason", "updated_at"])
        logger.info("user %s suspended by %s: %s", locked.pk, by.pk if by else None, reason)
    sessions_revoke_all(user=locked)
    user.suspended_at, user.suspension_reason = locked.suspended_at, locked.suspension_reason
    return locked


@transaction.atomic
def user_unsuspend(*, user: User, by: User | None) -> User:
    """Lift a suspension; the user signs in again (old sessions stay revoked)."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.suspended_at is not None:
        locked.suspended_at = None
        locked.suspension_reason = ""
        locked.save(update_fields=["suspended_at", "suspension_reason", "updated_at"])
        logger.info("user %s unsuspended by %s", locked.pk, by.pk if by else None)
    user.suspended_at, user.suspension_reason = None, ""
    return locked
