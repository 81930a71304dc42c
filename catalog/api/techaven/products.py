"""Techaven contract, section 3 (Products): the product list with its filters and sorts,
the featured, hot-sale, special-offer and new-arrival lists, and one product. The product
card and the list filters are also what categories (4.2) and shops (12.3) list."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from catalog import selectors
from catalog.api.common import (
    RATING,
    image_url,
    product_image_urls,
    product_images,
    rating_field,
)
from catalog.errors import not_found
from catalog.pagecache import cached_page
from catalog.services.products import product_record_view
from core.ids import TechavenIds
from core.timefmt import api_datetime
from storefronts.answer_fields import MediaUrlField, PublicIdField
from storefronts.filters import filter_params
from storefronts.techaven.base import (
    TechavenPaginationSerializer,
    TechavenPublicView,
    pagination_block,
)

from .common import PAGE_PARAMS, TH
from .filters import ORDERS, SORTS, ProductFilter

SPECIAL_LISTS_LIMIT = 10


# the fields a product card and a product page share (comments, not docstrings: a
# serializer's docstring becomes its schema description)
class _ProductHeadFields(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    description = serializers.CharField()
    price = serializers.IntegerField(source="price_minor")
    original_price = serializers.IntegerField(source="original_price_minor", allow_null=True)
    discount_percentage = serializers.SerializerMethodField()
    currency = serializers.CharField()
    category_id = serializers.IntegerField(allow_null=True)
    category_name = serializers.SerializerMethodField()

    def get_discount_percentage(self, p) -> int:
        return selectors.discount_percentage(p)

    def get_category_name(self, p) -> str | None:
        return p.category.name if p.category_id else None


class _CardVendorFields(serializers.Serializer):
    vendor_id = serializers.SerializerMethodField()
    vendor_name = serializers.CharField(source="shop.name")

    def get_vendor_id(self, p) -> str:
        return TechavenIds.SHOP(p.shop.uid)


class _ProductStockFields(serializers.Serializer):
    stock_quantity = serializers.IntegerField()
    is_in_stock = serializers.SerializerMethodField()
    rating = rating_field()
    review_count = serializers.IntegerField()
    images = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()
    specifications = serializers.DictField()

    def get_is_in_stock(self, p) -> bool:
        return p.is_available

    def get_images(self, p) -> list[str]:
        return product_image_urls(self.context.get("request"), p)

    def get_thumbnail(self, p) -> str | None:
        images = product_images(p)
        return image_url(self.context.get("request"), images[0]) if images else None


# the bases give the field order: head, vendor, stock, then the class's own fields
class ProductCardSerializer(_ProductHeadFields, _CardVendorFields, _ProductStockFields):
    is_featured = serializers.BooleanField()
    is_hot_sale = serializers.BooleanField()
    is_new_arrival = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_is_new_arrival(self, p) -> bool:
        return selectors.is_new_arrival(p)


# the columns product_cards reads (selectors.product_page loads only these)
CARD_FIELDS = (
    "id", "name", "slug", "description", "price_minor", "original_price_minor", "currency",
    "category_id", "shop_id", "stock_quantity", "is_active", "deleted_at", "rating",
    "review_count", "specifications", "is_featured", "is_hot_sale", "created_at",
    "shop__uid", "shop__name", "category__name",
)  # fmt: skip


def product_cards(products, request) -> list[dict]:
    """What `ProductCardSerializer(products, many=True).data` gives, built directly: DRF's
    per-field machinery was a third of a product list's CPU. The serializer stays the
    schema and the reference (tests/catalog/api/test_product_cards.py holds the two equal)."""
    since = selectors.new_arrival_since()
    cards = []
    for p in products:
        images = product_image_urls(request, p)
        cards.append(
            {
                "id": p.pk,
                "name": p.name,
                "slug": p.slug,
                "description": p.description,
                "price": p.price_minor,
                "original_price": p.original_price_minor,
                "discount_percentage": selectors.discount_percentage(p),
                "currency": p.currency,
                "category_id": p.category_id,
                "category_name": p.category.name if p.category_id else None,
                "vendor_id": TechavenIds.SHOP(p.shop.uid),
                "vendor_name": p.shop.name,
                "stock_quantity": p.stock_quantity,
                "is_in_stock": p.is_available,
                "rating": RATING.to_representation(p.rating),
                "review_count": p.review_count,
                "images": images,
                "thumbnail": images[0] if images else None,
                "specifications": {str(k): v for k, v in p.specifications.items()},
                "is_featured": p.is_featured,
                "is_hot_sale": p.is_hot_sale,
                "is_new_arrival": p.created_at >= since,
                "created_at": api_datetime(p.created_at),
            }
        )
    return cards


class ProductListSerializer(serializers.Serializer):
    products = ProductCardSerializer(many=True)
    pagination = TechavenPaginationSerializer()


class VendorBlockSerializer(serializers.Serializer):
    id = PublicIdField(TechavenIds.SHOP)
    name = serializers.CharField()
    logo_url = MediaUrlField(source="logo")
    rating = rating_field()
    location = serializers.CharField()


class _DetailVendorFields(serializers.Serializer):
    vendor = VendorBlockSerializer(source="shop")


class ProductDetailSerializer(_ProductHeadFields, _DetailVendorFields, _ProductStockFields):
    related_products = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_related_products(self, p) -> list[int]:
        return selectors.related_product_ids(p)


PRODUCT_LIST_PARAMS = [
    *PAGE_PARAMS,
    OpenApiParameter("sort", OpenApiTypes.STR, enum=list(SORTS)),
    OpenApiParameter("order", OpenApiTypes.STR, enum=ORDERS),
    OpenApiParameter("category_id", OpenApiTypes.INT),
    OpenApiParameter("min_price", OpenApiTypes.NUMBER),
    OpenApiParameter("max_price", OpenApiTypes.NUMBER),
    OpenApiParameter("vendor_id", OpenApiTypes.STR),
]


def product_query(
    params, filterset: type[ProductFilter] = ProductFilter, **fixed
) -> selectors.ProductQuery:
    """The product list's query from its parameters (`fixed`: what the path chose)."""
    cleaned = filter_params(filterset, params).form.cleaned_data
    # no sort is newest first, so `order` alone orders by created_at too
    field = cleaned["sort"] or "created_at"
    # name reads A→Z unless asked otherwise; the others show the most/newest first
    descending = cleaned["order"] if cleaned["order"] is not None else field != "name"
    return selectors.ProductQuery(
        storefront=TH,
        category_ids=fixed.get("category_ids", cleaned.get("category_id")),
        shop_id=fixed.get("shop_id", cleaned.get("vendor_id")),
        min_price_minor=cleaned["min_price"],
        max_price_minor=cleaned["max_price"],
        sort=field,
        descending=descending,
    )


# a public list of product cards: 3.1 and 3.3-3.6 here, 4.2 and 12.3 alike (no docstring:
# the schema would show it as every subclass's description)
class ProductListingView(TechavenPublicView):
    def product_list_response(
        self,
        message: str,
        *,
        query: selectors.ProductQuery | None = None,
        qs=None,
        default_limit: int = 20,
    ):
        """The page of cards of `query` (a list's parameters), or of `qs` (a merchandising
        list's own queryset)."""
        page_no, limit = self.page_params(default_limit=default_limit)
        if query is not None:
            page = selectors.product_list_page(query, page=page_no, limit=limit, fields=CARD_FIELDS)
        else:
            page = selectors.product_page(
                qs, page=page_no, limit=limit, sellers=False, fields=CARD_FIELDS
            )
        return self.ok(
            {
                "products": product_cards(page.items, self.request),
                "pagination": pagination_block(page),
            },
            message=message,
        )


class ProductListView(ProductListingView):
    @extend_schema(
        operation_id="products_list",
        parameters=PRODUCT_LIST_PARAMS,
        responses={200: ProductListSerializer},
    )
    @cached_page()
    def get(self, request):
        query = product_query(request.query_params)
        return self.product_list_response("Products retrieved", query=query)


def _special_list(selector, message: str, doc: str):
    class SpecialListView(ProductListingView):
        @extend_schema(
            parameters=PAGE_PARAMS, responses={200: ProductListSerializer}, description=doc
        )
        @cached_page()
        def get(self, request):
            qs = selector(selectors.products_listed(TH))
            return self.product_list_response(message, qs=qs, default_limit=SPECIAL_LISTS_LIMIT)

    SpecialListView.__name__ = f"{selector.__name__.title().replace('_', '')}View"
    SpecialListView.__qualname__ = SpecialListView.__name__
    return SpecialListView


FeaturedView = _special_list(selectors.featured, "Featured products retrieved", "Featured")


HotSalesView = _special_list(selectors.hot_sales, "Hot sales retrieved", "Hot sales")


SpecialOffersView = _special_list(
    selectors.special_offers, "Special offers retrieved", "Special offers"
)


NewArrivalsView = _special_list(selectors.new_arrivals, "New arrivals retrieved", "New arrivals")


def _count_view(request, product_id: int) -> None:
    product_record_view(product_id=product_id)


class ProductDetailView(TechavenPublicView):
    @extend_schema(responses={200: ProductDetailSerializer})
    @cached_page(on_hit=_count_view)
    def get(self, request, product_id: int):
        product = selectors.product_get_listed(TH, product_id)
        if product is None:
            raise not_found("Product")
        _count_view(request, product.pk)
        data = ProductDetailSerializer(product, context={"request": request}).data
        return self.ok(data, message="Product retrieved")
