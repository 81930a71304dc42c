"""Every catalog write: products, reviews, wishlist, shops and seller profiles.

Ratings and counters follow the rows they count: a review added, hidden or shown again
recomputes its product's and its shop's rating and review count under row locks
(product first, then shop), in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Max
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from catalog import conf, search, selectors, viewcounts
from catalog.errors import CatalogErrorCode, conflict, forbidden, invalid, not_found
from catalog.locks import products_lock, shops_lock
from catalog.models import (
    Category,
    Product,
    ProductImage,
    Review,
    ReviewImage,
    Shop,
    WishlistItem,
)
from core.ids import new_uid
from core.images import clean_image, decode_base64_image
from core.storefront import Storefront

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


# --- products --------------------------------------------------------------------------


def _unique_slug(model, storefront: str, name: str, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:150] or "item"
    slug = base
    qs = model.objects.filter(storefront=storefront)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    while qs.filter(slug=slug).exists():
        slug = f"{base}-{new_uid()[:6]}"
    return slug


# the document's shapes: {"ram": "8GB"} and ["apple", "phones"]; anything else would break
# every list that shows the product. Counted before the entries are looked at.
MAX_TAGS, MAX_TAG_LENGTH = 20, 50
MAX_SPECIFICATIONS, MAX_SPEC_KEY_LENGTH, MAX_SPEC_VALUE_LENGTH = 50, 100, 500
PRODUCT_DESCRIPTION_MAX, SHOP_DESCRIPTION_MAX = 10_000, 5_000


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


def _check_product_fields(fields: dict[str, Any]) -> None:
    if "specifications" in fields:
        check_specifications(fields["specifications"])
    if "tags" in fields:
        check_tags(fields["tags"])
    for name in ("price_minor", "original_price_minor", "price_eur_minor"):
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


@transaction.atomic
def product_saved_by_staff(*, product: Product, previous_shop_id: int | None = None) -> None:
    """The admin saves products with its own forms: bring search and counters up to date."""
    _after_product_write(product)
    if previous_shop_id and previous_shop_id != product.shop_id:
        _refresh_shop_product_count(previous_shop_id)


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
        slug=_unique_slug(Product, shop.storefront, data.get("name", "")),
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
        locked.slug = _unique_slug(Product, locked.storefront, locked.name, exclude_pk=locked.pk)
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
    return image


# --- CryptoShop sellers' products ------------------------------------------------------


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


def cryptoshop_category(name: str | None) -> Category | None:
    """CryptoShop categories are named by sellers; an unknown name becomes a category."""
    name = (name or "").strip()[:100]
    if not name:
        return None
    found = Category.objects.filter(storefront=Storefront.CRYPTOSHOP, name__iexact=name).first()
    if found:
        return found
    return Category.objects.create(
        storefront=Storefront.CRYPTOSHOP,
        name=name,
        slug=_unique_slug(Category, Storefront.CRYPTOSHOP, name),
    )


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


# --- seller profiles (CryptoShop) -------------------------------------------------------


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
        with transaction.atomic():
            return Shop.objects.create(
                storefront=Storefront.CRYPTOSHOP,
                owner=user,
                name=store_name[:150],
                slug=_unique_slug(Shop, Storefront.CRYPTOSHOP, store_name),
                description=description or "",
                category=cryptoshop_category(category_name),
                response_time=(response_time or "")[:50],
            )
    except IntegrityError:
        raise conflict(
            CatalogErrorCode.SELLER_PROFILE_EXISTS, "You already have a seller profile."
        ) from None


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
        locked.slug = _unique_slug(Shop, locked.storefront, locked.name, exclude_pk=locked.pk)
    if category_name is not None:
        locked.category = cryptoshop_category(category_name)
    # files last, once nothing is left to refuse
    for field, image in cleaned.items():
        getattr(locked, field).save(image.file.name, image.file, save=False)
    locked.save()
    return locked


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


# --- reviews ---------------------------------------------------------------------------


def _rating(avg) -> Decimal:
    if avg is None:
        return Decimal("0")
    return Decimal(avg).quantize(Decimal("0.01"), ROUND_HALF_UP)


def ratings_refresh(*, product_id: int) -> None:
    """Product and shop rating/review_count from the visible reviews (caller's transaction)."""
    product = products_lock([product_id])[product_id]
    shop = shops_lock([product.shop_id])[product.shop_id]
    stats = Review.objects.filter(product_id=product.pk, is_hidden=False).aggregate(
        avg=Avg("rating"), n=Count("id")
    )
    Product.objects.filter(pk=product.pk).update(
        rating=_rating(stats["avg"]), review_count=stats["n"]
    )
    shop_stats = Review.objects.filter(product__shop_id=shop.pk, is_hidden=False).aggregate(
        avg=Avg("rating"), n=Count("id")
    )
    Shop.objects.filter(pk=shop.pk).update(
        rating=_rating(shop_stats["avg"]), review_count=shop_stats["n"]
    )


@dataclass(frozen=True)
class ReviewInput:
    rating: int
    title: str = ""
    comment: str = ""
    images: tuple[str, ...] = ()


@transaction.atomic(durable=True)
def review_add(*, user: User, product_id: int, storefront: str, data: ReviewInput) -> Review:
    """One review per user and product (409); never by the product's own seller (403);
    rating 1-5; at most 5 images of 5 MB, checked by content; a verified purchase only when
    the user's order with it was delivered. Any signed-in user may review (Techaven 3.8)."""
    product = (
        selectors.products_listed(storefront).select_related("shop").filter(pk=product_id).first()
    )
    if product is None:
        raise not_found("Product")
    if product.shop.owner_id is not None and product.shop.owner_id == user.pk:
        raise forbidden(
            "You cannot review a product of your own shop.", CatalogErrorCode.OWN_PRODUCT_REVIEW
        )
    if (
        not isinstance(data.rating, int)
        or isinstance(data.rating, bool)
        or not 1 <= data.rating <= 5
    ):
        raise invalid("Rating must be a whole number from 1 to 5.", "rating")
    if len(data.images) > conf.REVIEW_MAX_IMAGES:
        raise invalid(f"At most {conf.REVIEW_MAX_IMAGES} images.", "images")
    if Review.objects.filter(product=product, user=user).exists():
        raise conflict(CatalogErrorCode.REVIEW_EXISTS, "You have already reviewed this product.")
    cleaned = [
        decode_base64_image(raw, max_bytes=conf.REVIEW_IMAGE_MAX_BYTES, field="images")
        for raw in data.images
    ]
    try:
        with transaction.atomic():
            review = Review.objects.create(
                product=product,
                user=user,
                rating=data.rating,
                title=(data.title or "")[:150],
                comment=data.comment or "",
                is_verified_purchase=selectors.user_has_delivered_purchase(user, product),
            )
    except IntegrityError:
        raise conflict(
            CatalogErrorCode.REVIEW_EXISTS, "You have already reviewed this product."
        ) from None
    for position, image in enumerate(cleaned):
        row = ReviewImage(review=review, position=position)
        row.image.save(
            f"{review.uid}_{position + 1}.{image.file.name.rsplit('.', 1)[-1]}", image.file
        )
    ratings_refresh(product_id=product.pk)
    return review


@transaction.atomic
def review_set_hidden(*, review: Review, hidden: bool, reason: str = "") -> Review:
    """Moderation: a hidden review stops counting in the product's and shop's rating."""
    Review.objects.filter(pk=review.pk).update(
        is_hidden=hidden, hidden_reason=reason if hidden else ""
    )
    ratings_refresh(product_id=review.product_id)
    review.refresh_from_db()
    return review


# --- wishlist --------------------------------------------------------------------------


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
