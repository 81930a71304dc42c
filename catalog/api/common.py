"""Helpers both storefronts' catalog modules share (ratings and image URLs)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP

from rest_framework import serializers


def rating_field(**kw) -> serializers.DecimalField:
    """A rating with one decimal, rounded half up everywhere (the stored rating, the reviews
    summary and both storefronts' cards say the same; DRF's default would show 4.25 as 4.2)."""
    return serializers.DecimalField(
        max_digits=3, decimal_places=1, coerce_to_string=False, rounding=ROUND_HALF_UP, **kw
    )


# what both storefronts' `product_cards` render a rating and a time with, built once
RATING = rating_field()


def image_url(request, image) -> str:
    """An uploaded image's absolute URL, or the URL a seller gave."""
    if getattr(image, "image", None):
        url = image.image.url
        return request.build_absolute_uri(url) if request is not None else url
    return image.url


def product_images(product) -> list:
    """The product's images in order: the list the card selectors loaded, else a query."""
    loaded = getattr(product, "card_images", None)
    return loaded if loaded is not None else list(product.images.all())


def product_image_urls(request, product) -> list[str]:
    return [image_url(request, i) for i in product_images(product)]
