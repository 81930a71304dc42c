"""The CryptoShop catalog lists' query parameters (products and sellers take the same
category, search and sort parameters), as FilterSets run by `storefronts.filters`."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from catalog import selectors
from catalog.models import Product, Shop
from core.ids import CryptoShopIds
from core.money import Currency, Money, MoneyError
from storefronts.filters import (
    BooleanWordField,
    NonNegativeDecimalField,
    ParamField,
    ParamFilter,
    ParamFilterSet,
    TextField,
    order_filter,
    sort_filter,
)
from storefronts.schema import PAGE_PARAMS

from .common import CS

PRODUCT_SORTS = {
    "rating": "rating",
    "price": "price_minor",
    "created": "created_at",
    # popularity is what people buy, not what they look at
    "popularity": "sales_count",
}

SELLER_SORTS = {
    "rating": "rating",
    "sales": "sales_count",
    "products": "listed_products",
    "revenue": "revenue_minor",
    "joined": "joined_at",
}

SORT_ORDERS = ["asc", "desc"]


class BtcField(NonNegativeDecimalField):
    """A price in BTC, cleaned to satoshis."""

    def parse(self, raw: str) -> int:
        try:
            return Money.from_decimal(super().parse(raw), Currency.BTC).amount_minor
        except MoneyError:
            raise self.fail("{name} has at most 8 decimal places.") from None


class SellerIdField(ParamField):
    """`seller_<id>`, cleaned to the shop's key; an unknown seller has no products (0)."""

    def parse(self, raw: str) -> int:
        uid = CryptoShopIds.SELLER.parse(raw)
        if uid is None:
            raise self.fail("{name} looks like seller_<id>.")
        return selectors.shop_pk_of(CS, uid) or 0


class CategoryNameField(TextField):
    """A category by name; "all" (or nothing) is every category."""

    def to_python(self, value: Any) -> str | None:
        name = super().to_python(value)
        return None if not name or name.lower() == "all" else name


class ProductFilter(ParamFilterSet):
    minPrice = ParamFilter(BtcField)
    maxPrice = ParamFilter(BtcField)
    sortBy = sort_filter(PRODUCT_SORTS, default="rating")
    sortOrder = order_filter(default="desc")
    sellerId = ParamFilter(SellerIdField)
    category = ParamFilter(CategoryNameField)
    search = ParamFilter(TextField)

    ranges = (("minPrice", "maxPrice"),)

    class Meta(ParamFilterSet.Meta):
        model = Product


class SellerFilter(ParamFilterSet):
    sortBy = sort_filter(SELLER_SORTS, default="rating")
    sortOrder = order_filter(default="desc")
    verifiedOnly = ParamFilter(BooleanWordField)
    category = ParamFilter(CategoryNameField)
    search = ParamFilter(TextField)

    class Meta(ParamFilterSet.Meta):
        model = Shop


def list_params(
    sorts: dict[str, str], *, filters: tuple = (), then: tuple = ()
) -> list[OpenApiParameter]:
    """The product and seller lists' documented parameters: paging, the `category`, `search`
    and sort parameters they share (the FilterSets above), with each list's own `filters` before the
    sort and `then` after it."""
    return [
        *PAGE_PARAMS,
        OpenApiParameter("category", OpenApiTypes.STR),
        OpenApiParameter("search", OpenApiTypes.STR),
        *filters,
        OpenApiParameter("sortBy", OpenApiTypes.STR, enum=list(sorts)),
        OpenApiParameter("sortOrder", OpenApiTypes.STR, enum=SORT_ORDERS),
        *then,
    ]
