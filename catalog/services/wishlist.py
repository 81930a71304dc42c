"""The wishlist: a user's liked products."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from catalog import selectors
from catalog.errors import not_found
from catalog.models import WishlistItem


@transaction.atomic(durable=True)
def wishlist_add(*, user: User, product_id: int, storefront: str) -> tuple[WishlistItem, int]:
    """Adding a product already in the wishlist changes nothing (and is not an error)."""
    product = selectors.products_listed(storefront).filter(pk=product_id).first()
    if product is None:
        raise not_found("Product")
    item, _ = WishlistItem.objects.get_or_create(user=user, product=product)
    return item, selectors.wishlist_of(user).count()


@transaction.atomic(durable=True)
def wishlist_remove(*, user: User, product_id: int) -> int:
    deleted, _ = WishlistItem.objects.filter(user=user, product_id=product_id).delete()
    if not deleted:
        raise not_found("Wishlist item")
    return selectors.wishlist_of(user).count()
