"""The Techaven catalog lists' query parameters as FilterSets run by `storefronts.filters`:
the product lists (3.1, and in a category 4.2 or a shop 12.3), the shop list and search.
Prices are whole kwacha; a category covers its subcategories."""

from __future__ import annotations

from typing import Any

from catalog import selectors
from catalog.models import Product, Shop
from core.ids import TechavenIds
from storefronts.filters import (
    NonNegativeDecimalField,
    ParamField,
    ParamFilter,
    ParamFilterSet,
    RequiredTextField,
    TextField,
    WholeNumberField,
    order_filter,
    sort_filter,
)

from .common import TH

SORTS = {"name": "name", "price": "price_minor", "created_at": "created_at", "rating": "rating"}
ORDERS = ["asc", "desc"]
SEARCH_SORTS = {
    "relevance": ("relevance", True),
    "price_asc": ("price_minor", False),
    "price_desc": ("price_minor", True),
    "rating": ("rating", True),
    "newest": ("created_at", True),
}


class WholeKwachaField(NonNegativeDecimalField):
    def parse(self, raw: str) -> int:
        value = super().parse(raw)
        if value != value.to_integral_value():
            raise self.fail("{name} must be a whole number of kwacha.")
        return int(value)


class CategoryIdField(WholeNumberField):
    """A category, cleaned to its id and its subcategories' ids; unknown is an error."""

    def parse(self, raw: str) -> tuple[int, ...]:
        ids = selectors.category_subtree(TH, super().parse(raw))
        if ids is None:
            raise self.fail("No category has this id.")
        return ids


class VendorIdField(ParamField):
    """`vnd_<id>`, cleaned to the shop's key; unknown is an error."""

    def parse(self, raw: str) -> int:
        uid = TechavenIds.SHOP.parse(raw)
        shop_id = selectors.shop_pk_of(TH, uid) if uid else None
        if shop_id is None:
            raise self.fail("No shop has this id.")
        return shop_id


class SuggestionTextField(TextField):
    def validate(self, value: Any) -> None:
        if len(value) < 2:
            raise self.fail("{name} must be at least 2 characters.")


class ProductFilter(ParamFilterSet):
    """3.1's parameters; `order` is cleaned to `descending` (None: the sort's own)."""

    sort = sort_filter(SORTS)
    order = order_filter()
    min_price = ParamFilter(WholeKwachaField)
    max_price = ParamFilter(WholeKwachaField)
    category_id = ParamFilter(CategoryIdField)
    vendor_id = ParamFilter(VendorIdField)

    ranges = (("min_price", "max_price"),)

    class Meta(ParamFilterSet.Meta):
        model = Product


class CategoryProductFilter(ProductFilter):
    """A category's products (4.2): the category is the path's."""

    category_id = None


class ShopProductFilter(ProductFilter):
    """A shop's products (12.3): the shop is the path's."""

    vendor_id = None


class ShopFilter(ParamFilterSet):
    location = ParamFilter(TextField)
    category_id = ParamFilter(CategoryIdField)

    class Meta(ParamFilterSet.Meta):
        model = Shop


class ProductSearchFilter(ParamFilterSet):
    """13.1's parameters; `sort` is cleaned to (field, descending)."""

    q = ParamFilter(RequiredTextField)
    sort = sort_filter(SEARCH_SORTS, default="relevance")
    min_price = ParamFilter(WholeKwachaField)
    max_price = ParamFilter(WholeKwachaField)
    category_id = ParamFilter(CategoryIdField)

    ranges = (("min_price", "max_price"),)

    class Meta(ParamFilterSet.Meta):
        model = Product


class SuggestionFilter(ParamFilterSet):
    q = ParamFilter(SuggestionTextField)

    class Meta(ParamFilterSet.Meta):
        model = Product
