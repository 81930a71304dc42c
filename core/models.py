"""Model field shapes that several apps declare the same way."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


def user_key(*, on_delete: Any, related_name: str, **options: Any) -> models.ForeignKey:
    """A foreign key to a user (`settings.AUTH_USER_MODEL`). It deconstructs exactly as the
    field written out, so it makes no migration."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=on_delete, related_name=related_name, **options
    )


def optional_user(*, on_delete: Any, related_name: str, **options: Any) -> models.ForeignKey:
    """A foreign key to a user that may be empty (null in the database, blank in forms)."""
    return user_key(
        null=True, blank=True, on_delete=on_delete, related_name=related_name, **options
    )
