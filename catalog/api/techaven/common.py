"""What the Techaven catalog sections share: the storefront, the paging parameters and
block, the public view, and the filters several lists take (a category with its
subcategories, prices in whole kwacha)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from catalog import selectors
from catalog.api.common import parse_decimal
from core.storefront import Storefront

TH = Storefront.TECHAVEN


PAGE_PARAMS = [
    OpenApiParameter("page", OpenApiTypes.INT, description="Page number (default 1)"),
    OpenApiParameter("limit", OpenApiTypes.INT, description="Items per page (max 100)"),
]


def _whole_price(params, name: str, errors: dict) -> int | None:
    value = parse_decimal(params, name, errors)
    if value is None:
        return None
    if value != value.to_integral_value():
        errors[name] = [f"{name} must be a whole number of kwacha."]
        return None
    return int(value)


def parse_category_id(raw, errors: dict, name: str = "category_id") -> tuple[int, ...] | None:
    """A category filter covers the category and its subcategories; unknown is an error."""
    if raw in (None, ""):
        return None
    try:
        pk = int(str(raw).strip())
    except ValueError:
        errors[name] = [f"{name} must be a whole number."]
        return None
    ids = selectors.category_subtree(TH, pk)
    if ids is None:
        errors[name] = ["No category has this id."]
    return ids


def parse_price_bounds(params, errors: dict) -> tuple[int | None, int | None]:
    lo = _whole_price(params, "min_price", errors)
    hi = _whole_price(params, "max_price", errors)
    if lo is not None and hi is not None and lo > hi:
        errors["min_price"] = ["min_price cannot be greater than max_price."]
    return lo, hi
