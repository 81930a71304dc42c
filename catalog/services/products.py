"""Products: created and changed by their shop (or staff), soft-deleted, their views
counted and their images uploaded; the search document and the shop's product count
follow every write."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from catalog import conf, pagecache, search, viewcounts
from catalog.errors import invalid
from catalog.locks import products_lock
from catalog.models import Product, ProductImage, Shop, WishlistItem
from core.images import clean_image
from core.storefront import Storefront

from .slugs import unique_slug

# fields a shop owner may set on a product (is_featured is an editorial choice: staff only)
SELLER_PRODUCT_FIELDS = {
    "name",
    "description",
    "category",
    "price_minor",
    "original_price_minor",
    "price_eur_minor",
    "stock_quantity",
    "specifications",
    "tags",
    "brand",
    "delivery_time",
    "is_digital",
    "download_url",
    "is_active",
    "is_hot_sale",
}


STAFF_PRODUCT_FIELDS = SELLER_PRODUCT_FIELDS | {"is_featured"}


# the document's shapes: {"ram": "8GB"} and ["apple", "phones"]; anything else would break
# every list that shows the product. Counted before the entries are looked at.
MAX_TAGS, MAX_TAG_LENGTH = 20, 50


MAX_SPECIFICATIONS, MAX_SPEC_KEY_LENGTH, MAX_SPEC_VALUE_LENGTH = 50, 100, 500
PRODUCT_DESCRIPTION_MAX = 10_000


def check_specifications(value: Any) -> None:
    shape = 'Specifications are an object of text values, e.g. {"ram": "8GB"}.'
    if not isinstance(value, dict):
        raise invalid(shape, "specifications")
    if len(value) > MAX_SPECIFICATIONS:
        raise invalid(f"At most {MAX_SPECIFICATIONS} specifications.", "specifications")
    if not all(isinstance(v, str | int | float) for v in value.values()):
        raise invalid(shape, "specifications")
    if not all(
        len(k) <= MAX_SPEC_KEY_LENGTH and len(str(v)) <= MAX_SPEC_VALUE_LENGTH
        for k, v in value.items()
    ):
        raise invalid(
            f"Specification names have at most {MAX_SPEC_KEY_LENGTH} characters and values "
            f"at most {MAX_SPEC_VALUE_LENGTH}.",
            "specifications",
        )


def check_tags(value: Any) -> None:
    if (
        not isinstance(value, list)
        or len(value) > MAX_TAGS
        or not all(isinstance(t, str) and len(t) <= MAX_TAG_LENGTH for t in value)
    ):
        raise invalid(
            f"Tags are a list of at most {MAX_TAGS} words of at most {MAX_TAG_LENGTH} characters.",
            "tags",
        )


def check_price(price_minor: int | None) -> None:
    """What a product sells at: more than zero (None: not being set). An order that costs
    nothing could be neither paid through a provider nor held in escrow."""
    if price_minor is not None and (not isinstance(price_minor, int) or price_minor <= 0):
        raise invalid("A product's price must be more than zero.", "price_minor")


def _check_product_fields(fields: dict[str, Any]) -> None:
    if "specifications" in fields:
        check_specifications(fields["specifications"])
    if "tags" in fields:
        check_tags(fields["tags"])
    check_price(fields.get("price_minor"))
    for name in ("original_price_minor", "price_eur_minor"):
        value = fields.get(name)
        if value is not None and (not isinstance(value, int) or value < 0):
            raise invalid("Prices must be zero or more.", name)
    stock = fields.get("stock_quantity")
    if stock is not None and (not isinstance(stock, int) or stock < 0):
        raise invalid("Stock cannot be negative.", "stock_quantity")
    if "name" in fields and not str(fields["name"] or "").strip():
        raise invalid("A product needs a name.", "name")


def _refresh_shop_product_count(shop_id: int) -> None:
    count = Product.objects.filter(shop_id=shop_id, deleted_at__isnull=True, is_active=True).count()
    Shop.objects.filter(pk=shop_id).update(product_count=count)


def _after_product_write(product: Product) -> None:
    search.reindex_products([product.pk])
    _refresh_shop_product_count(product.shop_id)
    pagecache.catalog_changed()


@transaction.atomic
def product_saved_by_staff(*, product: Product, previous_shop_id: int | None = None) -> None:
    """The admin saves products with its own forms: bring search and counters up to date."""
    _after_product_write(product)
    if previous_shop_id and previous_shop_id != product.shop_id:
        _refresh_shop_product_count(previous_shop_id)


@transaction.atomic
def product_staff_change(*, product: Product, changed: list[str], stock_shown: int) -> None:
    """Staff's change form saves `product`: only the fields staff changed (`changed`) are
    written, under the product's lock, so what moved while the form was open (stock taken
    by orders, ratings, counters) is not written back. A stock staff typed is applied as a
    difference from the one the form showed (5 shown, 7 typed: two more than there are)."""
    current = products_lock([product.pk])[product.pk]
    if "stock_quantity" in changed:
        typed = product.stock_quantity - stock_shown
        product.stock_quantity = max(current.stock_quantity + typed, 0)
    else:
        product.stock_quantity = current.stock_quantity
    columns = {field.name for field in Product._meta.concrete_fields}
    product.save(update_fields=[name for name in changed if name in columns] + ["updated_at"])
    product_saved_by_staff(product=product, previous_shop_id=current.shop_id)


@transaction.atomic
def product_create(
    *, shop: Shop, fields: dict[str, Any], images: list[str] | None = None, staff: bool = False
) -> Product:
    """A product in `shop`'s storefront and currency (BRIEF 2). Only allowed fields are taken."""
    allowed = STAFF_PRODUCT_FIELDS if staff else SELLER_PRODUCT_FIELDS
    data = {k: v for k, v in fields.items() if k in allowed}
    _check_product_fields(data)
    if data.get("price_minor") is None:
        raise invalid("A product needs a price.", "price_minor")
    category = data.get("category")
    if category is not None and category.storefront != shop.storefront:
        raise invalid("That category belongs to the other storefront.", "category")
    currency = "MWK" if shop.storefront == Storefront.TECHAVEN else "BTC"
    product = Product(
        storefront=shop.storefront,
        shop=shop,
        currency=currency,
        slug=unique_slug(Product, shop.storefront, data.get("name", "")),
        **data,
    )
    product.save()
    for position, url in enumerate(images or []):
        ProductImage.objects.create(product=product, url=url, position=position)
    _after_product_write(product)
    return product


@transaction.atomic
def product_update(
    *,
    product: Product,
    changes: dict[str, Any],
    images: list[str] | None = None,
    staff: bool = False,
) -> Product:
    """Change the allowed fields of a product (locked while it changes: orders take stock)."""
    allowed = STAFF_PRODUCT_FIELDS if staff else SELLER_PRODUCT_FIELDS
    data = {k: v for k, v in changes.items() if k in allowed}
    _check_product_fields(data)
    locked = products_lock([product.pk])[product.pk]
    category = data.get("category")
    if category is not None and category.storefront != locked.storefront:
        raise invalid("That category belongs to the other storefront.", "category")
    for key, value in data.items():
        setattr(locked, key, value)
    if "name" in data:
        locked.slug = unique_slug(Product, locked.storefront, locked.name, exclude_pk=locked.pk)
    locked.save()
    if images is not None:
        locked.images.all().delete()
        for position, url in enumerate(images):
            ProductImage.objects.create(product=locked, url=url, position=position)
    _after_product_write(locked)
    return locked


@transaction.atomic
def product_soft_delete(*, product: Product) -> Product:
    """Hidden everywhere, kept for the orders that point at it."""
    locked = products_lock([product.pk])[product.pk]
    if locked.deleted_at is None:
        locked.deleted_at = timezone.now()
        locked.is_active = False
        locked.save(update_fields=["deleted_at", "is_active", "updated_at"])
        WishlistItem.objects.filter(product=locked).delete()
    _refresh_shop_product_count(locked.shop_id)
    pagecache.catalog_changed()
    return locked


def product_record_view(*, product_id: int) -> None:
    """One more view: added up in Redis, written to the row by beat (catalog/viewcounts.py)."""
    viewcounts.views_add(product_id)


@transaction.atomic
def product_image_add(
    *, product: Product, data: bytes, position: int | None = None
) -> ProductImage:
    """An uploaded image, checked by content, re-encoded and stored through storage. With no
    `position` it goes after the product's last image (the product's lock keeps two
    uploads at once from taking the same place)."""
    cleaned = clean_image(data, max_bytes=conf.PRODUCT_IMAGE_MAX_BYTES, field="image")
    if position is None:
        products_lock([product.pk])
        last = product.images.aggregate(m=Max("position"))["m"]
        position = 0 if last is None else last + 1
    image = ProductImage(product=product, position=position)
    image.image.save(cleaned.file.name, cleaned.file, save=False)
    image.save()
    pagecache.catalog_changed()
    return image


@transaction.atomic
def product_image_delete(*, image: ProductImage) -> None:
    """The image leaves its product's cards and page (its file leaves storage with it)."""
    image.delete()
    pagecache.catalog_changed()
