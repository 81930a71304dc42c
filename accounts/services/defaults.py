"""A user's default among their rows of one kind (addresses, payment methods): at most one
is the default, and when the default is deleted the oldest remaining one takes over."""

from __future__ import annotations

from typing import Any

from django.db import models


def make_default(row: Any) -> None:
    """`row` becomes its user's default, the one before it no longer (the caller holds the
    user's lock); its `updated_at`, where it has one, moves with it."""
    model: type[models.Model] = type(row)
    model._default_manager.filter(user_id=row.user_id, is_default=True).exclude(pk=row.pk).update(
        is_default=False
    )
    if not row.is_default:
        row.is_default = True
        saved = ["is_default", "updated_at"] if hasattr(row, "updated_at") else ["is_default"]
        row.save(update_fields=saved)


def delete_keeping_default(row: Any) -> None:
    """Delete `row`; when it was the default, the oldest remaining one takes over."""
    model: type[models.Model] = type(row)
    was_default = row.is_default
    row.delete()
    if was_default:
        oldest = (
            model._default_manager.filter(user_id=row.user_id).order_by("created_at", "pk").first()
        )
        if oldest is not None:
            make_default(oldest)
