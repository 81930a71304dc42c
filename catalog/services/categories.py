"""Categories sellers name: CryptoShop's are created by the products and shops that use
them (Techaven's are staff's, in the admin)."""

from __future__ import annotations

from catalog import pagecache
from catalog.models import Category
from core.storefront import Storefront

from .slugs import unique_slug


def cryptoshop_category(name: str | None) -> Category | None:
    """CryptoShop categories are named by sellers; an unknown name becomes a category."""
    name = (name or "").strip()[:100]
    if not name:
        return None
    found = Category.objects.filter(storefront=Storefront.CRYPTOSHOP, name__iexact=name).first()
    if found:
        return found
    pagecache.catalog_changed()
    return Category.objects.create(
        storefront=Storefront.CRYPTOSHOP,
        name=name,
        slug=unique_slug(Category, Storefront.CRYPTOSHOP, name),
    )
