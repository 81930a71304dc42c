"""Push devices (Techaven 11.4)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.models import User
from notifications.models import PushDevice


def device_register(*, user: User, token: str, platform: str) -> PushDevice:
    """Register a device token; a token registered before (by anyone) moves to this user."""
    for _ in range(3):
        try:
            with transaction.atomic(durable=True):
                device, _ = PushDevice.objects.update_or_create(
                    token=token, defaults={"user": user, "platform": platform}
                )
                return device
        except IntegrityError:  # the same token registered at the same moment: take it over
            continue
    raise RuntimeError("could not register the device token")
