"""CryptoShop contract, "Products Endpoints": the product list with its filters and
sorts, one product, and a seller's product created, updated and deleted. Products are
`product_<uid>`; prices in BTC (and EUR) as exact decimal numbers (0.0025, 89.99)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers

from catalog import selectors
from catalog.api.common import RATING, product_image_urls, rating_field
from catalog.errors import not_found
from catalog.models import Product
from catalog.pagecache import cached_page
from catalog.services.products import (
    MAX_SPEC_KEY_LENGTH,
    MAX_SPEC_VALUE_LENGTH,
    MAX_SPECIFICATIONS,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    PRODUCT_DESCRIPTION_MAX,
    product_record_view,
)
from catalog.services.sellers import (
    cryptoshop_product_create,
    cryptoshop_product_delete,
    cryptoshop_product_update,
    seller_shop_of,
)
from core.ids import CryptoShopIds
from core.money import Currency, Money
from core.timefmt import api_datetime
from storefronts.answer_fields import PublicIdField
from storefronts.cryptoshop.auth import IsCryptoShopUserOrReadOnly, past_second_factor
from storefronts.cryptoshop.base import CryptoShopView, btc, eur
from storefronts.fields import BoundedListField, ItemsField
from storefronts.filters import filter_params
from storefronts.schema import ChangedFieldsAnswer

from .common import (
    CS,
    DETAIL_REVIEWS,
    ReviewSerializer,
    SellerBriefSerializer,
    SellerFullSerializer,
    avatar_url,
    update_answer,
)
from .filters import PRODUCT_SORTS, ProductFilter, list_params


class ProductCardSerializer(serializers.Serializer):
    id = PublicIdField(CryptoShopIds.PRODUCT)
    name = serializers.CharField()
    description = serializers.CharField()
    priceBtc = serializers.SerializerMethodField()
    priceEur = serializers.SerializerMethodField()
    category = serializers.SerializerMethodField()
    images = serializers.SerializerMethodField()
    tags = serializers.ListField(child=serializers.CharField())
    inStock = serializers.BooleanField(source="is_available")
    deliveryTime = serializers.CharField(source="delivery_time")
    rating = rating_field()
    reviewCount = serializers.IntegerField(source="review_count")
    viewCount = serializers.IntegerField(source="view_count")
    seller = SellerBriefSerializer(source="shop")
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    @extend_schema_field(OpenApiTypes.NUMBER)
    def get_priceBtc(self, p):
        return btc(p.price_minor)

    @extend_schema_field({"type": "number", "nullable": True})
    def get_priceEur(self, p):
        return eur(p.price_eur_minor)

    def get_category(self, p) -> str | None:
        return p.category.name if p.category_id else None

    def get_images(self, p) -> list[str]:
        return product_image_urls(self.context.get("request"), p)


# the columns product_cards reads (selectors.product_page loads only these)
CARD_FIELDS = (
    "id", "uid", "name", "description", "price_minor", "price_eur_minor", "category_id",
    "shop_id", "tags", "is_active", "deleted_at", "stock_quantity", "delivery_time",
    "rating", "review_count", "view_count", "created_at", "updated_at",
    "shop__uid", "shop__name", "shop__rating", "shop__owner_id", "category__name",
    "shop__owner__username", "shop__owner__avatar",
)  # fmt: skip


def product_cards(products, request) -> list[dict]:
    """What `ProductCardSerializer(products, many=True).data` gives, built directly: DRF's
    per-field machinery was a third of a product list's CPU. The serializer stays the
    schema and the reference (tests/catalog/api/test_product_cards.py holds the two equal)."""
    cards = []
    for p in products:
        shop = p.shop
        cards.append(
            {
                "id": CryptoShopIds.PRODUCT(p.uid),
                "name": p.name,
                "description": p.description,
                "priceBtc": btc(p.price_minor),
                "priceEur": eur(p.price_eur_minor),
                "category": p.category.name if p.category_id else None,
                "images": product_image_urls(request, p),
                "tags": [None if t is None else str(t) for t in p.tags],
                "inStock": p.is_available,
                "deliveryTime": p.delivery_time,
                "rating": RATING.to_representation(p.rating),
                "reviewCount": p.review_count,
                "viewCount": p.view_count,
                "seller": {
                    "id": CryptoShopIds.SELLER(shop.uid),
                    "storeName": shop.name,
                    "rating": RATING.to_representation(shop.rating),
                    "user": {
                        "username": shop.owner.username if shop.owner_id else None,
                        "avatar": avatar_url(request, shop.owner),
                    },
                },
                "createdAt": api_datetime(p.created_at),
                "updatedAt": api_datetime(p.updated_at),
            }
        )
    return cards


class SpecSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=MAX_SPEC_KEY_LENGTH)
    value = serializers.CharField(max_length=MAX_SPEC_VALUE_LENGTH, allow_blank=True)


class ProductDetailSerializer(ProductCardSerializer):
    stockQuantity = serializers.IntegerField(source="stock_quantity")
    digitalProduct = serializers.BooleanField(source="is_digital")
    downloadUrl = serializers.SerializerMethodField()
    salesCount = serializers.IntegerField(source="sales_count")
    isActive = serializers.BooleanField(source="is_active")
    seller = SellerFullSerializer(source="shop")
    specifications = serializers.SerializerMethodField()
    reviews = serializers.SerializerMethodField()

    def get_downloadUrl(self, p) -> str | None:
        # the download is what buyers pay for: only its seller sees it here, past 2FA
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if p.download_url and user is not None and user.pk == p.shop.owner_id:
            return p.download_url if past_second_factor(request) else None
        return None

    @extend_schema_field(SpecSerializer(many=True))
    def get_specifications(self, p) -> list[dict]:
        return specs_out(p.specifications)

    @extend_schema_field(ReviewSerializer(many=True))
    def get_reviews(self, p) -> list[dict]:
        reviews = list(selectors.reviews_visible(p)[:DETAIL_REVIEWS])
        return ReviewSerializer(reviews, many=True, context=self.context).data


class ProductWrittenSerializer(ProductCardSerializer):
    stockQuantity = serializers.IntegerField(source="stock_quantity")
    digitalProduct = serializers.BooleanField(source="is_digital")
    downloadUrl = serializers.CharField(source="download_url")
    sellerId = serializers.SerializerMethodField()
    salesCount = serializers.IntegerField(source="sales_count")
    isActive = serializers.BooleanField(source="is_active")
    specifications = serializers.SerializerMethodField()
    seller = None

    def get_sellerId(self, p) -> str:
        return CryptoShopIds.SELLER(p.shop.uid)

    @extend_schema_field(SpecSerializer(many=True))
    def get_specifications(self, p) -> list[dict]:
        return specs_out(p.specifications)


def specs_out(specs: Any) -> list[dict]:
    if isinstance(specs, dict):
        return [{"key": str(k), "value": str(v)} for k, v in specs.items()]
    return []


class ProductUpdatedSerializer(ChangedFieldsAnswer):
    full = ProductWrittenSerializer


class ProductInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=PRODUCT_DESCRIPTION_MAX
    )
    priceBtc = serializers.DecimalField(
        max_digits=16,
        decimal_places=8,
        min_value=Decimal("0.00000001"),
        error_messages={"min_value": "A product's price must be more than zero."},
    )
    priceEur = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal(0), required=False, allow_null=True
    )
    category = serializers.CharField(max_length=100, required=False, allow_blank=True)
    images = BoundedListField(
        child=serializers.URLField(max_length=500), required=False, max_length=10
    )
    tags = BoundedListField(
        child=serializers.CharField(max_length=MAX_TAG_LENGTH),
        required=False,
        max_length=MAX_TAGS,
    )
    inStock = serializers.BooleanField(required=False)
    stockQuantity = serializers.IntegerField(min_value=0, max_value=10**9, required=False)
    deliveryTime = serializers.CharField(max_length=50, required=False, allow_blank=True)
    digitalProduct = serializers.BooleanField(required=False)
    downloadUrl = serializers.URLField(required=False, allow_blank=True, max_length=200)
    # each entry whole, also in a PUT: DRF would hand `partial` down to a nested serializer
    specifications = ItemsField(SpecSerializer, max_length=MAX_SPECIFICATIONS, required=False)


FIELD_MAP = {
    "name": "name",
    "description": "description",
    "tags": "tags",
    "stockQuantity": "stock_quantity",
    "deliveryTime": "delivery_time",
    "digitalProduct": "is_digital",
    "downloadUrl": "download_url",
}


def product_changes(data: dict) -> dict[str, Any]:
    changes = {FIELD_MAP[k]: v for k, v in data.items() if k in FIELD_MAP}
    if "priceBtc" in data:
        changes["price_minor"] = Money.from_decimal(data["priceBtc"], Currency.BTC).amount_minor
    if "priceEur" in data:
        value = data["priceEur"]
        changes["price_eur_minor"] = (
            None if value is None else Money.from_decimal(value, Currency.EUR).amount_minor
        )
    if "specifications" in data:
        changes["specifications"] = {s["key"]: s["value"] for s in data["specifications"]}
    if data.get("inStock") is False:
        # out of stock is no stock: nobody can order it until the seller restocks
        changes["stock_quantity"] = 0
    elif data.get("inStock") is True and "stockQuantity" not in data:
        changes.setdefault("is_active", True)
    return changes


class DeletedSerializer(serializers.Serializer):
    pass


def _product_or_404(product_id: str) -> Product:
    uid = CryptoShopIds.PRODUCT.parse(product_id)
    product = selectors.product_get_listed(CS, uid=uid) if uid is not None else None
    if product is None:
        raise not_found("Product")
    return product


class ProductsView(CryptoShopView):
    permission_classes = [IsCryptoShopUserOrReadOnly]

    @extend_schema(
        operation_id="products_list",
        parameters=list_params(
            PRODUCT_SORTS,
            filters=(
                OpenApiParameter("minPrice", OpenApiTypes.NUMBER),
                OpenApiParameter("maxPrice", OpenApiTypes.NUMBER),
            ),
            then=(OpenApiParameter("sellerId", OpenApiTypes.STR),),
        ),
        responses={200: ProductCardSerializer(many=True)},
    )
    @cached_page()
    def get(self, request):
        params = filter_params(ProductFilter, request.query_params).form.cleaned_data
        page_no, limit = self.page_params()
        query = selectors.ProductQuery(
            storefront=CS,
            shop_id=params["sellerId"],
            min_price_minor=params["minPrice"],
            max_price_minor=params["maxPrice"],
            text=params["search"],
            sort=params["sortBy"],
            descending=params["sortOrder"],
        )
        if params["category"]:
            qs, _ = selectors.product_queryset(query)
            qs = selectors.products_in_category_named(qs, params["category"])
            page = selectors.product_page(
                qs,
                page=page_no,
                limit=limit,
                fields=CARD_FIELDS,
                count_key=(query, params["category"]),
            )
        else:
            page = selectors.product_list_page(query, page=page_no, limit=limit, fields=CARD_FIELDS)
        return self.ok(product_cards(page.items, request), page=page)

    @extend_schema(request=ProductInSerializer, responses={201: ProductWrittenSerializer})
    def post(self, request):
        seller_shop_of(request.user)  # 403 before validating a non-seller's body
        data = self.validated_body(ProductInSerializer)
        product = cryptoshop_product_create(
            user=request.user,
            fields=product_changes(data),
            category_name=data.get("category"),
            images=data.get("images", []),
        )
        product = selectors.product_get_with_card_data(product.pk)
        out = ProductWrittenSerializer(product, context={"request": request}).data
        return self.ok(out, status=201)


class ProductView(CryptoShopView):
    permission_classes = [IsCryptoShopUserOrReadOnly]

    @extend_schema(responses={200: ProductDetailSerializer})
    def get(self, request, product_id: str):
        product = _product_or_404(product_id)
        product_record_view(product_id=product.pk)
        product.view_count += 1
        return self.ok(ProductDetailSerializer(product, context={"request": request}).data)

    @extend_schema(request=ProductInSerializer, responses={200: ProductUpdatedSerializer})
    def put(self, request, product_id: str):
        data = self.validated_body(ProductInSerializer, partial=True)
        product = cryptoshop_product_update(
            user=request.user,
            product_uid=CryptoShopIds.PRODUCT.parse(product_id) or "",
            changes=product_changes(data),
            category_name=data.get("category"),
            images=data.get("images"),
        )
        product = selectors.product_get_with_card_data(product.pk)
        out = ProductWrittenSerializer(product, context={"request": request}).data
        return self.ok(update_answer(out, set(data)))

    @extend_schema(responses={200: DeletedSerializer})
    def delete(self, request, product_id: str):
        cryptoshop_product_delete(
            user=request.user, product_uid=CryptoShopIds.PRODUCT.parse(product_id) or ""
        )
        return self.ok(message="Product deleted successfully")
