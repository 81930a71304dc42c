"""What the CryptoShop catalog sections share: the storefront, the public-read permission,
BTC and EUR rendering, the paging parameters, and the seller and review blocks
both products and sellers show."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

from catalog.api import schema_auth  # noqa: F401 - registers the auth schemes
from catalog.api.common import rating_field
from core.money import Currency, minor_to_decimal
from core.storefront import Storefront
from storefronts.cryptoshop.auth import IsCryptoShopUser

CS = Storefront.CRYPTOSHOP
DETAIL_REVIEWS = 10


class ReadPublic(IsCryptoShopUser):
    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return super().has_permission(request, view)


def btc(amount_minor: int | None) -> Decimal | None:
    return None if amount_minor is None else minor_to_decimal(amount_minor, Currency.BTC)


def eur(amount_minor: int | None) -> Decimal | None:
    return None if amount_minor is None else minor_to_decimal(amount_minor, Currency.EUR)


def _money_field(**kw):
    return serializers.DecimalField(max_digits=20, decimal_places=8, coerce_to_string=False, **kw)


def avatar_url(request, user) -> str | None:
    if user is None or not user.avatar:
        return None
    return request.build_absolute_uri(user.avatar.url) if request else user.avatar.url


PAGE_PARAMS = [
    OpenApiParameter("page", OpenApiTypes.INT),
    OpenApiParameter("limit", OpenApiTypes.INT),
]


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
    id = serializers.SerializerMethodField()
    storeName = serializers.CharField(source="name")
    rating = rating_field()
    user = SellerUserSerializer(source="*")

    def get_id(self, shop) -> str:
        return f"seller_{shop.uid}"


class SellerFullSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField()
    storeName = serializers.CharField(source="name")
    description = serializers.CharField()
    rating = rating_field()
    reviewCount = serializers.IntegerField(source="review_count")
    totalSales = serializers.IntegerField(source="sales_count")
    totalRevenue = serializers.SerializerMethodField()
    responseTime = serializers.CharField(source="response_time")
    isOnline = serializers.BooleanField(source="is_online")
    user = SellerUserVerifiedSerializer(source="*")

    def get_id(self, shop) -> str:
        return f"seller_{shop.uid}"

    @extend_schema_field(OpenApiTypes.NUMBER)
    def get_totalRevenue(self, shop):
        # what the seller has earned, in BTC like every CryptoShop price
        return btc(shop.revenue_minor)


class ReviewSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField()
    rating = serializers.IntegerField()
    content = serializers.CharField(source="comment")
    helpful = serializers.IntegerField(source="helpful_count")
    user = serializers.SerializerMethodField()
    createdAt = serializers.DateTimeField(source="created_at")

    def get_id(self, review) -> str:
        return f"review_{review.uid}"

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
