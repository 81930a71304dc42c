"""Techaven contract, section 12 (Shops / Vendors): the shop list, one shop, and its
products. Shops are `vnd_<uid>`."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers

from catalog import selectors
from catalog.api.common import rating_field
from catalog.errors import not_found
from catalog.models import Shop
from catalog.pagecache import cached_page
from core.ids import TechavenIds
from storefronts.answer_fields import MediaUrlField, PublicIdField
from storefronts.filters import filter_params
from storefronts.pagination import paginate
from storefronts.techaven.base import (
    TechavenPaginationSerializer,
    TechavenPublicView,
    pagination_block,
)

from .common import PAGE_PARAMS, TH
from .filters import ShopFilter, ShopProductFilter
from .products import PRODUCT_LIST_PARAMS, ProductListingView, ProductListSerializer, product_query


class ShopCardSerializer(serializers.Serializer):
    id = PublicIdField(TechavenIds.SHOP)
    name = serializers.CharField()
    slug = serializers.CharField()
    description = serializers.CharField()
    logo_url = MediaUrlField(source="logo")
    cover_image_url = MediaUrlField(source="cover_image")
    rating = rating_field()
    review_count = serializers.IntegerField()
    product_count = serializers.IntegerField()
    location = serializers.CharField()
    is_verified = serializers.BooleanField()
    is_open = serializers.BooleanField()
    categories = serializers.SerializerMethodField()

    def get_categories(self, shop) -> list[str]:
        return [name for _, name in self.context["categories"].get(shop.pk, [])]


class ShopListSerializer(serializers.Serializer):
    shops = ShopCardSerializer(many=True)
    pagination = TechavenPaginationSerializer()


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


def _shop_or_404(shop_id: str) -> Shop:
    uid = TechavenIds.SHOP.parse(shop_id)
    shop = selectors.shop_get_listed(TH, uid) if uid else None
    if shop is None:
        raise not_found("Shop")
    return shop


class ShopListView(TechavenPublicView):
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
        params = filter_params(ShopFilter, request.query_params).form.cleaned_data
        qs = selectors.shop_list(
            TH, location=params["location"], category_ids=params["category_id"]
        )
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


class ShopDetailView(TechavenPublicView):
    @extend_schema(responses={200: ShopDetailSerializer})
    @cached_page()
    def get(self, request, shop_id: str):
        shop = _shop_or_404(shop_id)
        ctx = {"request": request, "categories": selectors.shop_category_names([shop.pk])}
        return self.ok(ShopDetailSerializer(shop, context=ctx).data, message="Shop retrieved")


class ShopProductsView(ProductListingView):
    @extend_schema(parameters=PRODUCT_LIST_PARAMS, responses={200: ProductListSerializer})
    @cached_page()
    def get(self, request, shop_id: str):
        shop = _shop_or_404(shop_id)
        query = product_query(request.query_params, ShopProductFilter, shop_id=shop.pk)
        return self.product_list_response("Products retrieved", query=query)
