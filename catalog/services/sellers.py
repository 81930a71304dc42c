"""CryptoShop sellers: their seller profile (one per account) and their products, each
only by the seller who owns it."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from accounts.models import User
from catalog import pagecache, selectors
from catalog.errors import CatalogErrorCode, conflict, forbidden, invalid, not_found
from catalog.models import Product, Shop
from core.storefront import Storefront

from .categories import cryptoshop_category
from .products import product_create, product_soft_delete, product_update
from .shops import shop_update
from .slugs import unique_slug


def seller_shop_of(user: User) -> Shop:
    shop = selectors.shop_for_owner(user, Storefront.CRYPTOSHOP)
    if shop is None or not shop.is_active:
        raise forbidden("Only sellers can do this: create a seller profile first.")
    return shop


def _own_product(user: User, product_uid: str) -> Product:
    shop = seller_shop_of(user)
    product = Product.objects.filter(
        uid=product_uid, storefront=Storefront.CRYPTOSHOP, deleted_at__isnull=True
    ).first()
    if product is None:
        raise not_found("Product")
    if product.shop_id != shop.pk:
        raise forbidden("This product belongs to another seller.")
    return product


@transaction.atomic(durable=True)
def cryptoshop_product_create(
    *, user: User, fields: dict[str, Any], category_name: str | None, images: list[str]
) -> Product:
    shop = seller_shop_of(user)
    fields = dict(fields, category=cryptoshop_category(category_name))
    return product_create(shop=shop, fields=fields, images=images)


@transaction.atomic(durable=True)
def cryptoshop_product_update(
    *,
    user: User,
    product_uid: str,
    changes: dict[str, Any],
    category_name: str | None = None,
    images: list[str] | None = None,
) -> Product:
    """Only the seller who owns the product; another seller's product is refused unchanged."""
    product = _own_product(user, product_uid)
    if category_name is not None:
        changes = dict(changes, category=cryptoshop_category(category_name))
    return product_update(product=product, changes=changes, images=images)


@transaction.atomic(durable=True)
def cryptoshop_product_delete(*, user: User, product_uid: str) -> Product:
    return product_soft_delete(product=_own_product(user, product_uid))


@transaction.atomic(durable=True)
def seller_profile_create(
    *, user: User, store_name: str, description: str, category_name: str | None, response_time: str
) -> Shop:
    """One seller profile per CryptoShop account (409 for a second)."""
    if user.storefront != Storefront.CRYPTOSHOP:
        raise forbidden("Only CryptoShop accounts can become sellers.")
    if Shop.objects.filter(owner=user, storefront=Storefront.CRYPTOSHOP).exists():
        raise conflict(CatalogErrorCode.SELLER_PROFILE_EXISTS, "You already have a seller profile.")
    store_name = (store_name or "").strip()
    if not store_name:
        raise invalid("storeName is required.", "storeName")
    try:
        pagecache.catalog_changed()
        with transaction.atomic():
            return Shop.objects.create(
                storefront=Storefront.CRYPTOSHOP,
                owner=user,
                name=store_name[:150],
                slug=unique_slug(Shop, Storefront.CRYPTOSHOP, store_name),
                description=description or "",
                category=cryptoshop_category(category_name),
                response_time=(response_time or "")[:50],
            )
    except IntegrityError:
        raise conflict(
            CatalogErrorCode.SELLER_PROFILE_EXISTS, "You already have a seller profile."
        ) from None


@transaction.atomic(durable=True)
def seller_profile_update(
    *, user: User, shop_uid: str, changes: dict[str, Any], category_name: str | None = None
) -> Shop:
    shop = Shop.objects.filter(uid=shop_uid, storefront=Storefront.CRYPTOSHOP).first()
    if shop is None:
        raise not_found("Seller")
    if shop.owner_id != user.pk:
        raise forbidden("You can only update your own seller profile.")
    return shop_update(shop=shop, changes=changes, category_name=category_name)
