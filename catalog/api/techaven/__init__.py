"""Techaven contract, sections 3 (Products), 4 (Categories), 7 (Wishlist), 12 (Shops)
and 13 (Search). Product and category ids are integers, shops `vnd_<uid>`, reviews
`rev_<uid>`, wishlist items `wish_<uid>`; money in whole kwacha."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission

import storefronts.converters  # noqa: F401 (registers <dbid:…>)
from catalog import conf, search, selectors, services
from catalog.api import schema_auth  # noqa: F401 - registers the auth schemes
from catalog.api.common import (
    image_url,
    parse_decimal,
    product_image_urls,
    product_images,
    raise_if,
    rating_field,
)
from catalog.errors import not_found
from catalog.models import Category, Product, Shop
from catalog.pagecache import cached_page
from core.ids import strip_prefix
from core.images import base64_max_length
from core.storefront import Storefront
from storefronts.fields import BoundedListField
from storefronts.pagination import paginate
from storefronts.techaven.base import TechavenView, pagination_block

TH = Storefront.TECHAVEN
SORTS = {"name": "name", "price": "price_minor", "created_at": "created_at", "rating": "rating"}
SEARCH_SORTS = {
    "relevance": ("relevance", True),
    "price_asc": ("price_minor", False),
    "price_desc": ("price_minor", True),
    "rating": ("rating", True),
    "newest": ("created_at", True),
}
SPECIAL_LISTS_LIMIT = 10


class ReadPublicWriteSignedIn(BasePermission):
    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated)


# --- serializers ------------------------------------------------------------------------


class ProductCardSerializer(serializers.Serializer):
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
    vendor_id = serializers.SerializerMethodField()
    vendor_name = serializers.CharField(source="shop.name")
    stock_quantity = serializers.IntegerField()
    is_in_stock = serializers.SerializerMethodField()
    rating = rating_field()
    review_count = serializers.IntegerField()
    images = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()
    specifications = serializers.DictField()
    is_featured = serializers.BooleanField()
    is_hot_sale = serializers.BooleanField()
    is_new_arrival = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_discount_percentage(self, p) -> int:
        return selectors.discount_percentage(p)

    def get_category_name(self, p) -> str | None:
        return p.category.name if p.category_id else None

    def get_vendor_id(self, p) -> str:
        return f"vnd_{p.shop.uid}"

    def get_is_in_stock(self, p) -> bool:
        return p.is_available

    def get_images(self, p) -> list[str]:
        return product_image_urls(self.context.get("request"), p)

    def get_thumbnail(self, p) -> str | None:
        images = product_images(p)
        return image_url(self.context.get("request"), images[0]) if images else None

    def get_is_new_arrival(self, p) -> bool:
        return selectors.is_new_arrival(p)


_RATING = rating_field()
_DATETIME = serializers.DateTimeField()


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
    schema and the reference (tests/catalog/test_product_cards.py holds the two equal)."""
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
                "vendor_id": f"vnd_{p.shop.uid}",
                "vendor_name": p.shop.name,
                "stock_quantity": p.stock_quantity,
                "is_in_stock": p.is_available,
                "rating": _RATING.to_representation(p.rating),
                "review_count": p.review_count,
                "images": images,
                "thumbnail": images[0] if images else None,
                "specifications": {str(k): v for k, v in p.specifications.items()},
                "is_featured": p.is_featured,
                "is_hot_sale": p.is_hot_sale,
                "is_new_arrival": p.created_at >= since,
                "created_at": _DATETIME.to_representation(p.created_at),
            }
        )
    return cards


class PaginationSerializer(serializers.Serializer):
    current_page = serializers.IntegerField()
    total_pages = serializers.IntegerField()
    total_items = serializers.IntegerField()
    items_per_page = serializers.IntegerField()
    has_next = serializers.BooleanField()
    has_previous = serializers.BooleanField()


class ProductListSerializer(serializers.Serializer):
    products = ProductCardSerializer(many=True)
    pagination = PaginationSerializer()


class VendorBlockSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField()
    name = serializers.CharField()
    logo_url = serializers.SerializerMethodField()
    rating = rating_field()
    location = serializers.CharField()

    def get_id(self, shop) -> str:
        return f"vnd_{shop.uid}"

    def get_logo_url(self, shop) -> str | None:
        return _file_url(self.context.get("request"), shop.logo)


def _file_url(request, field) -> str | None:
    if not field:
        return None
    return request.build_absolute_uri(field.url) if request is not None else field.url


class ProductDetailSerializer(serializers.Serializer):
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
    vendor = VendorBlockSerializer(source="shop")
    stock_quantity = serializers.IntegerField()
    is_in_stock = serializers.SerializerMethodField()
    rating = rating_field()
    review_count = serializers.IntegerField()
    images = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()
    specifications = serializers.DictField()
    related_products = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    get_discount_percentage = ProductCardSerializer.get_discount_percentage
    get_category_name = ProductCardSerializer.get_category_name
    get_is_in_stock = ProductCardSerializer.get_is_in_stock
    get_images = ProductCardSerializer.get_images
    get_thumbnail = ProductCardSerializer.get_thumbnail

    def get_related_products(self, p) -> list[int]:
        return selectors.related_product_ids(p)


class ReviewUserSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField()
    full_name = serializers.CharField()
    avatar_url = serializers.SerializerMethodField()

    def get_id(self, user) -> str:
        return f"usr_{user.uid}"

    def get_avatar_url(self, user) -> str | None:
        return _file_url(self.context.get("request"), user.avatar)


class ReviewSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField()
    user = ReviewUserSerializer()
    rating = serializers.IntegerField()
    title = serializers.CharField()
    comment = serializers.CharField()
    images = serializers.SerializerMethodField()
    is_verified_purchase = serializers.BooleanField()
    helpful_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()

    def get_id(self, review) -> str:
        return f"rev_{review.uid}"

    def get_images(self, review) -> list[str]:
        return [_file_url(self.context.get("request"), i.image) for i in review.images.all()]


class ReviewSummarySerializer(serializers.Serializer):
    average_rating = rating_field()
    total_reviews = serializers.IntegerField()
    rating_breakdown = serializers.DictField(child=serializers.IntegerField())


class ReviewListSerializer(serializers.Serializer):
    reviews = ReviewSerializer(many=True)
    summary = ReviewSummarySerializer()
    pagination = PaginationSerializer()


class ReviewInSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    title = serializers.CharField(required=False, allow_blank=True, max_length=150, default="")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    images = BoundedListField(
        child=serializers.CharField(max_length=base64_max_length(conf.REVIEW_IMAGE_MAX_BYTES)),
        required=False,
        default=list,
        max_length=conf.REVIEW_MAX_IMAGES,
    )

    def to_internal_value(self, data):
        # "4.5" or 4.5 must not become 4: ratings are whole stars
        rating = data.get("rating") if isinstance(data, dict) else None
        if isinstance(rating, bool) or (rating is not None and not isinstance(rating, int)):
            if not (isinstance(rating, str) and rating.strip().isdigit()):
                raise ValidationError({"rating": ["Rating must be a whole number from 1 to 5."]})
        return super().to_internal_value(data)


class ReviewCreatedSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField()
    rating = serializers.IntegerField()
    title = serializers.CharField()
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_id(self, review) -> str:
        return f"rev_{review.uid}"


class SubcategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    product_count = serializers.SerializerMethodField()

    def get_product_count(self, c) -> int:
        return self.context["counts"].get(c.pk, 0)


class CategorySerializer(SubcategorySerializer):
    description = serializers.CharField()
    icon = serializers.CharField()
    image_url = serializers.SerializerMethodField()
    is_featured = serializers.BooleanField()
    parent_id = serializers.IntegerField(allow_null=True)
    subcategories = serializers.SerializerMethodField()

    def get_image_url(self, c) -> str | None:
        return _file_url(self.context.get("request"), c.image)

    @extend_schema_field(SubcategorySerializer(many=True))
    def get_subcategories(self, c) -> list[dict]:
        children = self.context["children"].get(c.pk, [])
        return SubcategorySerializer(children, many=True, context=self.context).data


class CategoryListSerializer(serializers.Serializer):
    categories = CategorySerializer(many=True)


class WishlistProductSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    price = serializers.IntegerField(source="price_minor")
    original_price = serializers.IntegerField(source="original_price_minor", allow_null=True)
    thumbnail = serializers.SerializerMethodField()
    is_in_stock = serializers.SerializerMethodField()
    rating = rating_field()

    get_thumbnail = ProductCardSerializer.get_thumbnail
    get_is_in_stock = ProductCardSerializer.get_is_in_stock


class WishlistItemSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField()
    product = WishlistProductSerializer()
    added_at = serializers.DateTimeField(source="created_at")

    def get_id(self, item) -> str:
        return f"wish_{item.uid}"


class WishlistSerializer(serializers.Serializer):
    items = WishlistItemSerializer(many=True)
    total_items = serializers.IntegerField()


class WishlistInSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1)


class WishlistAddedSerializer(serializers.Serializer):
    wishlist_item_id = serializers.CharField()
    total_items = serializers.IntegerField()


class WishlistCountSerializer(serializers.Serializer):
    total_items = serializers.IntegerField()


class ShopCardSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField()
    name = serializers.CharField()
    slug = serializers.CharField()
    description = serializers.CharField()
    logo_url = serializers.SerializerMethodField()
    cover_image_url = serializers.SerializerMethodField()
    rating = rating_field()
    review_count = serializers.IntegerField()
    product_count = serializers.IntegerField()
    location = serializers.CharField()
    is_verified = serializers.BooleanField()
    is_open = serializers.BooleanField()
    categories = serializers.SerializerMethodField()

    def get_id(self, shop) -> str:
        return f"vnd_{shop.uid}"

    def get_logo_url(self, shop) -> str | None:
        return _file_url(self.context.get("request"), shop.logo)

    def get_cover_image_url(self, shop) -> str | None:
        return _file_url(self.context.get("request"), shop.cover_image)

    def get_categories(self, shop) -> list[str]:
        return [name for _, name in self.context["categories"].get(shop.pk, [])]


class ShopListSerializer(serializers.Serializer):
    shops = ShopCardSerializer(many=True)
    pagination = PaginationSerializer()


class ShopCategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ShopDetailSerializer(ShopCardSerializer):
    address = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    website = serializers.CharField()
    business_hours = serializers.DictField(child=serializers.CharField())
    joined_at = serializers.DateTimeField()

    @extend_schema_field(ShopCategorySerializer(many=True))
    def get_categories(self, shop) -> list[dict]:
        return [{"id": i, "name": n} for i, n in self.context["categories"].get(shop.pk, [])]


class PriceRangeSerializer(serializers.Serializer):
    min = serializers.IntegerField()
    max = serializers.IntegerField()


class FacetCategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    count = serializers.IntegerField()


class FacetsSerializer(serializers.Serializer):
    categories = FacetCategorySerializer(many=True)
    price_range = PriceRangeSerializer()


class SearchResultSerializer(serializers.Serializer):
    query = serializers.CharField()
    products = ProductCardSerializer(many=True)
    suggestions = serializers.ListField(child=serializers.CharField())
    filters = FacetsSerializer()
    pagination = PaginationSerializer()


class SuggestionSerializer(serializers.Serializer):
    text = serializers.CharField()
    type = serializers.ChoiceField(choices=["product", "category"])


class SuggestionListSerializer(serializers.Serializer):
    suggestions = SuggestionSerializer(many=True)


# --- query parsing ------------------------------------------------------------------------

PAGE_PARAMS = [
    OpenApiParameter("page", OpenApiTypes.INT, description="Page number (default 1)"),
    OpenApiParameter("limit", OpenApiTypes.INT, description="Items per page (max 100)"),
]
PRODUCT_LIST_PARAMS = [
    *PAGE_PARAMS,
    OpenApiParameter("sort", OpenApiTypes.STR, enum=list(SORTS)),
    OpenApiParameter("order", OpenApiTypes.STR, enum=["asc", "desc"]),
    OpenApiParameter("category_id", OpenApiTypes.INT),
    OpenApiParameter("min_price", OpenApiTypes.NUMBER),
    OpenApiParameter("max_price", OpenApiTypes.NUMBER),
    OpenApiParameter("vendor_id", OpenApiTypes.STR),
]


def _whole_price(params, name: str, errors: dict) -> int | None:
    value = parse_decimal(params, name, errors)
    if value is None:
        return None
    if value != value.to_integral_value():
        errors[name] = [f"{name} must be a whole number of kwacha."]
        return None
    return int(value)


def _category_ids(raw, errors: dict, name: str = "category_id") -> tuple[int, ...] | None:
    """A category filter covers the category and its subcategories; unknown is an error."""
    if raw in (None, ""):
        return None
    try:
        pk = int(str(raw).strip())
    except ValueError:
        errors[name] = [f"{name} must be a whole number."]
        return None
    categories = selectors.categories_of(TH)
    category = next((c for c in categories if c.pk == pk), None)
    if category is None:
        errors[name] = ["No category has this id."]
        return None
    return tuple(selectors.category_subtree_ids(category, categories))


def _price_bounds(params, errors: dict) -> tuple[int | None, int | None]:
    lo = _whole_price(params, "min_price", errors)
    hi = _whole_price(params, "max_price", errors)
    if lo is not None and hi is not None and lo > hi:
        errors["min_price"] = ["min_price cannot be greater than max_price."]
    return lo, hi


def product_query(params, **fixed) -> selectors.ProductQuery:
    errors: dict[str, list[str]] = {}
    sort = params.get("sort") or None
    if sort is not None and sort not in SORTS:
        errors["sort"] = [f"sort must be one of {', '.join(SORTS)}."]
    order = params.get("order") or None
    if order is not None and order not in ("asc", "desc"):
        errors["order"] = ["order must be asc or desc."]
    lo, hi = _price_bounds(params, errors)
    category_ids = fixed.pop("category_ids", None)
    if category_ids is None:
        category_ids = _category_ids(params.get("category_id"), errors)
    shop_id = fixed.pop("shop_id", None)
    vendor = params.get("vendor_id")
    if shop_id is None and vendor:
        uid = strip_prefix(vendor, "vnd")
        shop = Shop.objects.filter(uid=uid, storefront=TH).first() if uid else None
        if shop is None:
            errors["vendor_id"] = ["No shop has this id."]
        else:
            shop_id = shop.pk
    raise_if(errors)
    # no sort is newest first, so `order` alone orders by created_at too
    field = SORTS[sort] if sort else "created_at"
    # name reads A→Z unless asked otherwise; the others show the most/newest first
    descending = order == "desc" if order else sort != "name"
    return selectors.ProductQuery(
        storefront=TH,
        category_ids=category_ids,
        shop_id=shop_id,
        min_price_minor=lo,
        max_price_minor=hi,
        sort=field,
        descending=descending,
    )


# --- views ---------------------------------------------------------------------------------


class PublicView(TechavenView):
    permission_classes = [AllowAny]

    def product_list_response(self, qs, message: str, default_limit: int = 20):
        page_no, limit = self.page_params(default_limit=default_limit)
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


class ProductListView(PublicView):
    @extend_schema(
        operation_id="products_list",
        parameters=PRODUCT_LIST_PARAMS,
        responses={200: ProductListSerializer},
    )
    @cached_page()
    def get(self, request):
        qs, _ = selectors.product_queryset(product_query(request.query_params))
        return self.product_list_response(qs, "Products retrieved")


def _special_list(selector, message: str, doc: str):
    class SpecialListView(PublicView):
        @extend_schema(
            parameters=PAGE_PARAMS, responses={200: ProductListSerializer}, description=doc
        )
        @cached_page()
        def get(self, request):
            qs = selector(selectors.products_listed(TH))
            return self.product_list_response(qs, message, default_limit=SPECIAL_LISTS_LIMIT)

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
    services.product_record_view(product_id=product_id)


class ProductDetailView(PublicView):
    @extend_schema(responses={200: ProductDetailSerializer})
    @cached_page(on_hit=_count_view)
    def get(self, request, product_id: int):
        product = selectors.product_get_listed(TH, product_id)
        if product is None:
            raise not_found("Product")
        _count_view(request, product.pk)
        data = ProductDetailSerializer(product, context={"request": request}).data
        return self.ok(data, message="Product retrieved")


class ProductReviewsView(TechavenView):
    permission_classes = [ReadPublicWriteSignedIn]

    @extend_schema(parameters=PAGE_PARAMS, responses={200: ReviewListSerializer})
    def get(self, request, product_id: int):
        page_no, limit = self.page_params(default_limit=10)
        product = selectors.products_listed(TH).filter(pk=product_id).first()
        if product is None:
            raise not_found("Product")
        summary = selectors.review_summary(product)
        page = paginate(
            selectors.reviews_visible(product),
            page=page_no,
            limit=limit,
            total=summary["total_reviews"],
        )
        ctx = {"request": request}
        return self.ok(
            {
                "reviews": ReviewSerializer(page.items, many=True, context=ctx).data,
                "summary": ReviewSummarySerializer(summary).data,
                "pagination": pagination_block(page),
            },
            message="Reviews retrieved",
        )

    @extend_schema(request=ReviewInSerializer, responses={201: ReviewCreatedSerializer})
    def post(self, request, product_id: int):
        body = ReviewInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        review = services.review_add(
            user=request.user,
            product_id=product_id,
            storefront=TH,
            data=services.ReviewInput(
                rating=data["rating"],
                title=data["title"],
                comment=data["comment"],
                images=tuple(data["images"]),
            ),
        )
        return self.ok(
            ReviewCreatedSerializer(review).data,
            message="Review submitted successfully",
            status=201,
        )


class CategoryListView(PublicView):
    @extend_schema(responses={200: CategoryListSerializer})
    @cached_page()
    def get(self, request):
        categories = selectors.categories_of(TH)
        children: dict[int, list[Category]] = {}
        for c in categories:
            if c.parent_id:
                children.setdefault(c.parent_id, []).append(c)
        ctx = {
            "request": request,
            "counts": selectors.category_product_counts(TH),
            "children": children,
        }
        roots = [c for c in categories if c.parent_id is None]
        data = {"categories": CategorySerializer(roots, many=True, context=ctx).data}
        return self.ok(data, message="Categories retrieved")


class CategoryProductsView(PublicView):
    @extend_schema(parameters=PRODUCT_LIST_PARAMS, responses={200: ProductListSerializer})
    @cached_page()
    def get(self, request, category_id: int):
        categories = selectors.categories_of(TH)
        category = next((c for c in categories if c.pk == category_id), None)
        if category is None:
            raise not_found("Category")
        ids = tuple(selectors.category_subtree_ids(category, categories))
        qs, _ = selectors.product_queryset(product_query(request.query_params, category_ids=ids))
        return self.product_list_response(qs, "Products retrieved")


class WishlistView(TechavenView):
    @extend_schema(responses={200: WishlistSerializer})
    def get(self, request):
        items = list(selectors.wishlist_of(request.user))
        data = WishlistSerializer(
            {"items": items, "total_items": len(items)}, context={"request": request}
        ).data
        return self.ok(data, message="Wishlist retrieved")

    @extend_schema(request=WishlistInSerializer, responses={201: WishlistAddedSerializer})
    def post(self, request):
        body = WishlistInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item, total = services.wishlist_add(
            user=request.user, product_id=body.validated_data["product_id"], storefront=TH
        )
        return self.ok(
            {"wishlist_item_id": f"wish_{item.uid}", "total_items": total},
            message="Added to wishlist",
            status=201,
        )


class WishlistItemView(TechavenView):
    @extend_schema(responses={200: WishlistCountSerializer})
    def delete(self, request, product_id: int):
        total = services.wishlist_remove(user=request.user, product_id=product_id)
        return self.ok({"total_items": total}, message="Removed from wishlist")


def _shop_or_404(shop_id: str) -> Shop:
    uid = strip_prefix(shop_id, "vnd")
    shop = selectors.shops_listed(TH).filter(uid=uid).first() if uid else None
    if shop is None:
        raise not_found("Shop")
    return shop


class ShopListView(PublicView):
    @extend_schema(
        operation_id="shops_list",
        parameters=[
            *PAGE_PARAMS,
            OpenApiParameter("location", OpenApiTypes.STR),
            OpenApiParameter("category_id", OpenApiTypes.INT),
        ],
        responses={200: ShopListSerializer},
    )
    @cached_page()
    def get(self, request):
        page_no, limit = self.page_params()
        errors: dict[str, list[str]] = {}
        category_ids = _category_ids(request.query_params.get("category_id"), errors)
        raise_if(errors)
        qs = selectors.shops_listed(TH)
        location = (request.query_params.get("location") or "").strip()
        if location:
            qs = qs.filter(location__iexact=location)
        if category_ids is not None:
            sells_there = Product.objects.filter(
                category_id__in=category_ids, is_active=True, deleted_at__isnull=True
            ).values("shop_id")
            qs = qs.filter(pk__in=sells_there) | qs.filter(category_id__in=category_ids)
        qs = qs.order_by("-is_verified", "-rating", "name", "id")
        page = paginate(qs, page=page_no, limit=limit)
        ctx = {
            "request": request,
            "categories": selectors.shop_category_names([s.pk for s in page.items]),
        }
        data = {
            "shops": ShopCardSerializer(page.items, many=True, context=ctx).data,
            "pagination": pagination_block(page),
        }
        return self.ok(data, message="Shops retrieved")


class ShopDetailView(PublicView):
    @extend_schema(responses={200: ShopDetailSerializer})
    @cached_page()
    def get(self, request, shop_id: str):
        shop = _shop_or_404(shop_id)
        ctx = {"request": request, "categories": selectors.shop_category_names([shop.pk])}
        return self.ok(ShopDetailSerializer(shop, context=ctx).data, message="Shop retrieved")


class ShopProductsView(PublicView):
    @extend_schema(parameters=PRODUCT_LIST_PARAMS, responses={200: ProductListSerializer})
    @cached_page()
    def get(self, request, shop_id: str):
        shop = _shop_or_404(shop_id)
        qs, _ = selectors.product_queryset(product_query(request.query_params, shop_id=shop.pk))
        return self.product_list_response(qs, "Products retrieved")


class SearchView(PublicView):
    rate_limit_scope = "search"

    @extend_schema(
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, required=True),
            *PAGE_PARAMS,
            OpenApiParameter("category_id", OpenApiTypes.INT),
            OpenApiParameter("min_price", OpenApiTypes.NUMBER),
            OpenApiParameter("max_price", OpenApiTypes.NUMBER),
            OpenApiParameter("sort", OpenApiTypes.STR, enum=list(SEARCH_SORTS)),
        ],
        responses={200: SearchResultSerializer},
    )
    @cached_page()
    def get(self, request):
        params = request.query_params
        errors: dict[str, list[str]] = {}
        text = (params.get("q") or "").strip()
        if not text:
            errors["q"] = ["q is required."]
        sort = params.get("sort") or "relevance"
        if sort not in SEARCH_SORTS:
            errors["sort"] = [f"sort must be one of {', '.join(SEARCH_SORTS)}."]
            sort = "relevance"
        lo, hi = _price_bounds(params, errors)
        category_ids = _category_ids(params.get("category_id"), errors)
        raise_if(errors)
        page_no, limit = self.page_params()
        field, descending = SEARCH_SORTS[sort]
        matched, understood = selectors.product_search(TH, text)
        # the facets describe everything the words matched; with no filter on top they
        # count the page's list too
        facets, matched_total = selectors.product_facets(matched)
        unfiltered = category_ids is None and lo is None and hi is None
        query = selectors.ProductQuery(
            storefront=TH,
            text=text,
            category_ids=category_ids,
            min_price_minor=lo,
            max_price_minor=hi,
            sort=field,
            descending=descending,
        )
        qs, _ = selectors.product_queryset(query, matched=(matched, understood))
        page = selectors.product_page(
            qs,
            page=page_no,
            limit=limit,
            total=matched_total if unfiltered else None,
            sellers=False,
            fields=CARD_FIELDS,
        )
        suggestions = []
        if understood and understood != " ".join(text.lower().split()):
            suggestions.append(understood)
        for name in (p.name for p in page.items[:5]):
            if name.lower() not in (s.lower() for s in suggestions):
                suggestions.append(name)
        data = {
            "query": text,
            "products": product_cards(page.items, request),
            "suggestions": suggestions[:5],
            "filters": facets,
            "pagination": pagination_block(page),
        }
        return self.ok(data, message="Search results")


class SearchSuggestionsView(PublicView):
    rate_limit_scope = "search"

    @extend_schema(
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, required=True)],
        responses={200: SuggestionListSerializer},
    )
    @cached_page()
    def get(self, request):
        text = (request.query_params.get("q") or "").strip()
        if len(text) < 2:
            raise ValidationError({"q": ["q must be at least 2 characters."]})
        products = search.product_suggestions(selectors.products_listed(TH), text, 5)
        categories = search.category_suggestions(TH, text, 3)
        suggestions = [{"text": t, "type": "product"} for t in products] + [
            {"text": t, "type": "category"} for t in categories
        ]
        return self.ok({"suggestions": suggestions}, message="Suggestions retrieved")


urlpatterns = [
    path("products", ProductListView.as_view()),
    path("products/featured", FeaturedView.as_view()),
    path("products/hot-sales", HotSalesView.as_view()),
    path("products/special-offers", SpecialOffersView.as_view()),
    path("products/new-arrivals", NewArrivalsView.as_view()),
    path("products/<dbid:product_id>", ProductDetailView.as_view()),
    path("products/<dbid:product_id>/reviews", ProductReviewsView.as_view()),
    path("categories", CategoryListView.as_view()),
    path("categories/<dbid:category_id>/products", CategoryProductsView.as_view()),
    path("wishlist", WishlistView.as_view()),
    path("wishlist/<dbid:product_id>", WishlistItemView.as_view()),
    path("shops", ShopListView.as_view()),
    path("shops/<str:shop_id>", ShopDetailView.as_view()),
    path("shops/<str:shop_id>/products", ShopProductsView.as_view()),
    path("search", SearchView.as_view()),
    path("search/suggestions", SearchSuggestionsView.as_view()),
]
