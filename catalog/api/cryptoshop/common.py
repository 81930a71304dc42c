"""What the CryptoShop catalog sections share: the storefront, the public-read permission,
BTC and EUR rendering, the paging parameters, and the seller and review blocks
both products and sellers show."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.api.common import rating_field
from core.ids import CryptoShopIds
from core.storefront import Storefront
from storefronts.answer_fields import PublicIdField
from storefronts.base import media_url
from storefronts.cryptoshop.base import btc

CS = Storefront.CRYPTOSHOP
DETAIL_REVIEWS = 10


def avatar_url(request, user) -> str | None:
    return media_url(request, user.avatar) if user is not None else None


def update_answer(data: dict, keys: set[str]) -> dict:
    """The update answers show the id, what changed and when (as the document does)."""
    return {k: v for k, v in data.items() if k in keys | {"id", "updatedAt"}}


class SellerUserSerializer(serializers.Serializer):
    username = serializers.SerializerMethodField()
    avatar = serializers.SerializerMethodField()

    def get_username(self, shop) -> str | None:
        return shop.owner.username if shop.owner_id else None

    def get_avatar(self, shop) -> str | None:
        return avatar_url(self.context.get("request"), shop.owner)


class SellerUserVerifiedSerializer(SellerUserSerializer):
    isVerified = serializers.BooleanField(source="is_verified")


class SellerBriefSerializer(serializers.Serializer):
    id = PublicIdField(CryptoShopIds.SELLER)
    storeName = serializers.CharField(source="name")
    rating = rating_field()
    user = SellerUserSerializer(source="*")


class SellerFullSerializer(serializers.Serializer):
    id = PublicIdField(CryptoShopIds.SELLER)
    storeName = serializers.CharField(source="name")
    description = serializers.CharField()
    rating = rating_field()
    reviewCount = serializers.IntegerField(source="review_count")
    totalSales = serializers.IntegerField(source="sales_count")
    totalRevenue = serializers.SerializerMethodField()
    responseTime = serializers.CharField(source="response_time")
    isOnline = serializers.BooleanField(source="is_online")
    user = SellerUserVerifiedSerializer(source="*")

    @extend_schema_field(OpenApiTypes.NUMBER)
    def get_totalRevenue(self, shop):
        # what the seller has earned, in BTC like every CryptoShop price
        return btc(shop.revenue_minor)


class ReviewSerializer(serializers.Serializer):
    id = PublicIdField(CryptoShopIds.REVIEW)
    rating = serializers.IntegerField()
    content = serializers.CharField(source="comment")
    helpful = serializers.IntegerField(source="helpful_count")
    user = serializers.SerializerMethodField()
    createdAt = serializers.DateTimeField(source="created_at")

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "username": {"type": "string"},
                "avatar": {"type": "string", "nullable": True},
            },
        }
    )
    def get_user(self, review) -> dict:
        return {
            "username": review.user.username,
            "avatar": avatar_url(self.context.get("request"), review.user),
        }
