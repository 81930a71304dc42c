"""CryptoShop contract, "Sellers Endpoints": the seller list with its filters and
sorts, one seller with their best-selling products and latest reviews, and a seller
profile created and updated. Sellers are `seller_<uid>`."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers

from catalog import selectors
from catalog.api.common import rating_field
from catalog.errors import not_found
from catalog.services.sellers import seller_profile_create, seller_profile_update
from catalog.services.shops import SHOP_DESCRIPTION_MAX
from core.ids import CryptoShopIds
from storefronts.answer_fields import PublicIdField
from storefronts.cryptoshop.auth import IsCryptoShopUserOrReadOnly
from storefronts.cryptoshop.base import CryptoShopView, btc
from storefronts.filters import filter_params
from storefronts.pagination import paginate
from storefronts.schema import ChangedFieldsAnswer

from .common import CS, DETAIL_REVIEWS, ReviewSerializer, SellerFullSerializer, update_answer
from .filters import SELLER_SORTS, SellerFilter, list_params

DETAIL_PRODUCTS = 12


class SellerCardSerializer(SellerFullSerializer):
    category = serializers.SerializerMethodField()
    joinedAt = serializers.DateTimeField(source="joined_at")
    _count = serializers.SerializerMethodField()

    def get_category(self, shop) -> str | None:
        return shop.category.name if shop.category_id else None

    @extend_schema_field({"type": "object", "properties": {"products": {"type": "integer"}}})
    def get__count(self, shop) -> dict:
        return {"products": getattr(shop, "listed_products", shop.product_count)}


class SellerProductSerializer(serializers.Serializer):
    id = PublicIdField(CryptoShopIds.PRODUCT)
    name = serializers.CharField()
    priceBtc = serializers.SerializerMethodField()
    rating = rating_field()
    reviewCount = serializers.IntegerField(source="review_count")
    salesCount = serializers.IntegerField(source="sales_count")

    @extend_schema_field(OpenApiTypes.NUMBER)
    def get_priceBtc(self, p):
        return btc(p.price_minor)


class SellerDetailSerializer(SellerCardSerializer):
    _count = None
    products = serializers.SerializerMethodField()
    reviews = serializers.SerializerMethodField()

    @extend_schema_field(SellerProductSerializer(many=True))
    def get_products(self, shop) -> list[dict]:
        products = selectors.shop_best_sellers(shop, DETAIL_PRODUCTS)
        return SellerProductSerializer(products, many=True).data

    @extend_schema_field(ReviewSerializer(many=True))
    def get_reviews(self, shop) -> list[dict]:
        return ReviewSerializer(
            selectors.shop_reviews(shop, DETAIL_REVIEWS), many=True, context=self.context
        ).data


class SellerCreatedSerializer(SellerCardSerializer):
    _count = None
    userId = serializers.SerializerMethodField()

    def get_userId(self, shop) -> str:
        return CryptoShopIds.USER(shop.owner.uid)


class SellerUpdatedSerializer(ChangedFieldsAnswer):
    full = SellerCreatedSerializer


class SellerInSerializer(serializers.Serializer):
    storeName = serializers.CharField(max_length=150)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=SHOP_DESCRIPTION_MAX
    )
    category = serializers.CharField(required=False, allow_blank=True, max_length=100)
    responseTime = serializers.CharField(required=False, allow_blank=True, max_length=50)


class SellerUpdateSerializer(SellerInSerializer):
    storeName = serializers.CharField(max_length=150, required=False)
    isOnline = serializers.BooleanField(required=False)


class SellersView(CryptoShopView):
    permission_classes = [IsCryptoShopUserOrReadOnly]

    @extend_schema(
        operation_id="sellers_list",
        parameters=list_params(
            SELLER_SORTS, then=(OpenApiParameter("verifiedOnly", OpenApiTypes.BOOL),)
        ),
        responses={200: SellerCardSerializer(many=True)},
    )
    def get(self, request):
        params = filter_params(SellerFilter, request.query_params).form.cleaned_data
        page_no, limit = self.page_params()
        qs = selectors.seller_list(
            CS,
            sort=params["sortBy"],
            descending=params["sortOrder"],
            verified_only=params["verifiedOnly"],
            category_name=params["category"],
            text=params["search"],
        )
        page = paginate(qs, page=page_no, limit=limit, total=qs.order_by().count())
        data = SellerCardSerializer(page.items, many=True, context={"request": request}).data
        return self.ok(data, page=page)

    @extend_schema(request=SellerInSerializer, responses={201: SellerCreatedSerializer})
    def post(self, request):
        data = self.validated_body(SellerInSerializer)
        shop = seller_profile_create(
            user=request.user,
            store_name=data["storeName"],
            description=data.get("description", ""),
            category_name=data.get("category"),
            response_time=data.get("responseTime", ""),
        )
        out = SellerCreatedSerializer(shop, context={"request": request}).data
        return self.ok(out, status=201)


SELLER_FIELD_MAP = {
    "storeName": "name",
    "description": "description",
    "responseTime": "response_time",
    "isOnline": "is_online",
}


class SellerView(CryptoShopView):
    permission_classes = [IsCryptoShopUserOrReadOnly]

    @extend_schema(responses={200: SellerDetailSerializer})
    def get(self, request, seller_id: str):
        uid = CryptoShopIds.SELLER.parse(seller_id)
        shop = selectors.seller_get(CS, uid) if uid else None
        if shop is None:
            raise not_found("Seller")
        return self.ok(SellerDetailSerializer(shop, context={"request": request}).data)

    @extend_schema(request=SellerUpdateSerializer, responses={200: SellerUpdatedSerializer})
    def put(self, request, seller_id: str):
        data = self.validated_body(SellerUpdateSerializer, partial=True)
        shop = seller_profile_update(
            user=request.user,
            shop_uid=CryptoShopIds.SELLER.parse(seller_id) or "",
            changes={SELLER_FIELD_MAP[k]: v for k, v in data.items() if k in SELLER_FIELD_MAP},
            category_name=data.get("category"),
        )
        out = SellerCreatedSerializer(shop, context={"request": request}).data
        out["updatedAt"] = serializers.DateTimeField().to_representation(shop.updated_at)
        return self.ok(update_answer(out, set(data)))
