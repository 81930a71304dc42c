"""A shop's public profile, edited by its owner (never its counters or verification)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from catalog import conf, pagecache
from catalog.errors import invalid
from catalog.locks import shops_lock
from catalog.models import Shop
from core.images import clean_image

from .categories import cryptoshop_category
from .slugs import unique_slug

SHOP_DESCRIPTION_MAX = 5_000
SHOP_OWNER_FIELDS = {
    "name",
    "description",
    "response_time",
    "is_online",
    "is_open",
    "location",
    "address",
    "phone",
    "email",
    "website",
    "business_hours",
}


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_HOURS_LENGTH = 50


def check_business_hours(value: Any) -> None:
    """Techaven shows them as the document does: weekday → text ("08:00 - 17:00", "Closed")."""
    if not isinstance(value, dict) or not all(
        day in WEEKDAYS and isinstance(text, str) and len(text) <= MAX_HOURS_LENGTH
        for day, text in value.items()
    ):
        raise invalid(
            'Business hours map weekdays ("monday" … "sunday") to text such as '
            f'"08:00 - 17:00" or "Closed" (at most {MAX_HOURS_LENGTH} characters).',
            "business_hours",
        )


SHOP_IMAGE_FIELDS = ("logo", "cover_image")


@transaction.atomic
def shop_update(
    *,
    shop: Shop,
    changes: dict[str, Any],
    category_name: str | None = None,
    images: dict[str, bytes] | None = None,
) -> Shop:
    """The owner edits their shop's public profile (never its counters or verification).
    `images`: a new logo or cover image (uploaded bytes), checked by content, re-encoded and
    stored through storage (the old file goes once this commits)."""
    if "business_hours" in changes:
        check_business_hours(changes["business_hours"])
    if "name" in changes and not str(changes["name"] or "").strip():
        raise invalid("storeName cannot be empty.", "storeName")
    cleaned = {
        field: clean_image(data, max_bytes=conf.PRODUCT_IMAGE_MAX_BYTES, field=field)
        for field, data in (images or {}).items()
        if field in SHOP_IMAGE_FIELDS
    }
    locked = shops_lock([shop.pk])[shop.pk]
    for key, value in changes.items():
        if key in SHOP_OWNER_FIELDS:
            setattr(locked, key, value)
    if "name" in changes:
        locked.slug = unique_slug(Shop, locked.storefront, locked.name, exclude_pk=locked.pk)
    if category_name is not None:
        locked.category = cryptoshop_category(category_name)
    # files last, once nothing is left to refuse
    for field, image in cleaned.items():
        getattr(locked, field).save(image.file.name, image.file, save=False)
    locked.save()
    pagecache.catalog_changed()
    return locked
