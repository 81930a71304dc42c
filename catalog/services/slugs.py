"""Slugs unique within a storefront, for products, categories and shops."""

from __future__ import annotations

from django.utils.text import slugify

from catalog.models import Category, Product, Shop
from core.ids import new_uid


def unique_slug(
    model: type[Product | Category | Shop],
    storefront: str,
    name: str,
    exclude_pk: int | None = None,
) -> str:
    base = slugify(name)[:150] or "item"
    slug = base
    qs = model.objects.filter(storefront=storefront)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    while qs.filter(slug=slug).exists():
        slug = f"{base}-{new_uid()[:6]}"
    return slug
