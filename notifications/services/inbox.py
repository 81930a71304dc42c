"""In-app notifications: read marks (Techaven section 11)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.errors import NotFound
from notifications.models import Notification
from notifications.selectors import unread_count


@transaction.atomic(durable=True)
def notification_mark_read(*, user: User, uid: str) -> int:
    """Mark one of the user's notifications read (again is fine); returns the unread count."""
    notification = Notification.objects.filter(user=user, uid=uid).first()
    if notification is None:
        raise NotFound("Notification")
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    return unread_count(user=user)


@transaction.atomic(durable=True)
def notification_mark_all_read(*, user: User) -> int:
    Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
    return 0
