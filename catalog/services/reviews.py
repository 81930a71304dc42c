"""Reviews: added by buyers, hidden and shown again by moderation.

Ratings and counters follow the rows they count: a review added, hidden or shown again
recomputes its product's and its shop's rating and review count under row locks
(product first, then shop), in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count

from accounts.models import User
from catalog import conf, pagecache, selectors
from catalog.errors import CatalogErrorCode, conflict, forbidden, invalid, not_found
from catalog.locks import products_lock, shops_lock
from catalog.models import Product, Review, ReviewImage, Shop
from core.images import decode_base64_image


def _rating(avg: float | Decimal | None) -> Decimal:
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
    pagecache.catalog_changed()  # cards show ratings; lists sort by them


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
