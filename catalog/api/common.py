"""Helpers both storefronts' catalog modules share (parsing and image URLs)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from rest_framework.exceptions import ValidationError


def image_url(request, image) -> str:
    """An uploaded image's absolute URL, or the URL a seller gave."""
    if getattr(image, "image", None):
        url = image.image.url
        return request.build_absolute_uri(url) if request is not None else url
    return image.url


def product_images(product) -> list:
    """The product's images in order: the list selectors.with_card_data loaded, else a query."""
    loaded = getattr(product, "card_images", None)
    return loaded if loaded is not None else list(product.images.all())


def product_image_urls(request, product) -> list[str]:
    return [image_url(request, i) for i in product_images(product)]


def parse_decimal(params, name: str, errors: dict) -> Decimal | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        errors[name] = [f"{name} must be a number."]
        return None
    if not value.is_finite():
        errors[name] = [f"{name} must be a number."]
        return None
    if value < 0:
        errors[name] = [f"{name} cannot be negative."]
        return None
    return value


def raise_if(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)
