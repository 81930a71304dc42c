"""Techaven contract, section 7 (Wishlist / Liked Items): the signed-in user's wishlist.
Items are `wish_<uid>`."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from catalog import selectors
from catalog.api.common import rating_field
from catalog.services.wishlist import wishlist_add, wishlist_remove
from core.ids import TechavenIds
from storefronts.answer_fields import PublicIdField
from storefronts.techaven.base import TechavenView

from .common import TH
from .products import ProductCardSerializer


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
    id = PublicIdField(TechavenIds.WISHLIST_ITEM)
    product = WishlistProductSerializer()
    added_at = serializers.DateTimeField(source="created_at")


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
        body = self.validated_body(WishlistInSerializer)
        item, total = wishlist_add(user=request.user, product_id=body["product_id"], storefront=TH)
        return self.ok(
            {"wishlist_item_id": TechavenIds.WISHLIST_ITEM(item.uid), "total_items": total},
            message="Added to wishlist",
            status=201,
        )


class WishlistItemView(TechavenView):
    @extend_schema(responses={200: WishlistCountSerializer})
    def delete(self, request, product_id: int):
        total = wishlist_remove(user=request.user, product_id=product_id)
        return self.ok({"total_items": total}, message="Removed from wishlist")
