"""Seller back office (`/seller/api/`): a shop owner manages their shop profile, products
(stock, prices, specifications, the flags a shop may set) and product images. Everything
is scoped to the signed-in owner's shops: another shop's objects answer 404."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, serializers, viewsets
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.routers import SimpleRouter

from catalog.models import Category, Product, ProductImage, Shop
from catalog.selectors import (
    seller_categories,
    seller_product_images,
    seller_products,
    seller_shops,
)
from catalog.services.products import (
    PRODUCT_DESCRIPTION_MAX,
    product_create,
    product_image_add,
    product_image_delete,
    product_soft_delete,
    product_update,
)
from catalog.services.shops import SHOP_DESCRIPTION_MAX, SHOP_IMAGE_FIELDS, shop_update
from storefronts.fields import JSONField
from storefronts.parsers import FormParser, JSONParser, MultiPartParser
from storefronts.seller.base import SellerViewMixin

IMAGE_HELP = "JPEG/PNG/WebP, up to 5 MB and 36 megapixels"


class ShopSerializer(serializers.ModelSerializer):
    logo = serializers.ImageField(required=False, help_text=IMAGE_HELP)
    cover_image = serializers.ImageField(required=False, help_text=IMAGE_HELP)
    business_hours = JSONField(required=False)

    class Meta:
        model = Shop
        fields = [
            "id", "uid", "storefront", "name", "slug", "description", "logo", "cover_image",
            "location", "address", "phone", "email", "website", "business_hours",
            "response_time", "is_open", "is_online", "is_verified", "rating", "review_count",
            "product_count", "sales_count", "joined_at",
        ]  # fmt: skip
        read_only_fields = [
            "id", "uid", "storefront", "slug", "is_verified", "rating", "review_count",
            "product_count", "sales_count", "joined_at",
        ]  # fmt: skip
        extra_kwargs = {"description": {"max_length": SHOP_DESCRIPTION_MAX}}


class ShopViewSet(
    SellerViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Your shop's public profile, its logo and cover image (multipart, JPEG/PNG/WebP,
    checked by content, up to 5 MB and 36 megapixels). Verification, ratings and counters
    are not yours to set."""

    serializer_class = ShopSerializer

    def get_queryset(self):
        return seller_shops(self.request.user).order_by("pk")

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        images = {}
        for field in SHOP_IMAGE_FIELDS:
            upload = changes.pop(field, None)
            if upload is not None:
                upload.seek(0)
                images[field] = upload.read()
        serializer.instance = shop_update(shop=serializer.instance, changes=changes, images=images)


class ProductSerializer(serializers.ModelSerializer):
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.none(), allow_null=True, required=False
    )
    images = serializers.SerializerMethodField()
    specifications = JSONField(required=False)
    tags = JSONField(required=False)

    class Meta:
        model = Product
        fields = [
            "id", "uid", "storefront", "currency", "name", "slug", "description", "category",
            "price_minor", "original_price_minor", "price_eur_minor", "stock_quantity",
            "specifications", "tags", "brand", "delivery_time", "is_digital", "download_url",
            "is_active", "is_hot_sale", "is_featured", "rating", "review_count", "view_count",
            "sales_count", "images", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "id", "uid", "storefront", "currency", "slug", "is_featured", "rating",
            "review_count", "view_count", "sales_count", "created_at", "updated_at",
        ]  # fmt: skip
        extra_kwargs = {"description": {"max_length": PRODUCT_DESCRIPTION_MAX}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["category"].queryset = seller_categories(request.user)

    def get_images(self, product) -> list[dict]:
        request = self.context.get("request")
        return ProductImageSerializer(
            product.images.all(), many=True, context={"request": request}
        ).data


class SellerProductFilter(django_filters.FilterSet):
    """`status` (active or inactive) and `in_stock` (true or false); anything else is a 400."""

    status = django_filters.ChoiceFilter(
        choices=[("active", "Active"), ("inactive", "Inactive")], method="filter_status"
    )
    in_stock = django_filters.TypedChoiceFilter(
        choices=[("true", "In stock"), ("false", "Out of stock")],
        coerce=lambda value: value == "true",
        method="filter_in_stock",
        label="In stock",
    )

    class Meta:
        model = Product
        fields = ["status", "in_stock"]

    def filter_status(self, qs: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        return qs.filter(is_active=value == "active")

    def filter_in_stock(self, qs: QuerySet[Product], name: str, value: bool) -> QuerySet[Product]:
        return qs.filter(stock_quantity__gt=0) if value else qs.filter(stock_quantity__lte=0)


class ProductViewSet(SellerViewMixin, viewsets.ModelViewSet):
    """Your products, newest first. Deleting hides a product and keeps it for past orders.
    `?search=` matches the name, brand or slug (or the exact uid), `?status=active|inactive`,
    `?in_stock=true|false`, `?ordering=` one of name, price_minor, stock_quantity,
    sales_count, created_at, updated_at (`-` for descending)."""

    serializer_class = ProductSerializer
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    filter_backends = [DjangoFilterBackend, SearchFilter, OrderingFilter]
    filterset_class = SellerProductFilter
    search_fields = ["name", "brand", "slug", "=uid"]
    ordering_fields = [
        "name", "price_minor", "stock_quantity", "sales_count", "created_at", "updated_at",
    ]  # fmt: skip

    def get_queryset(self):
        return (
            seller_products(self.request.user)
            .select_related("category")
            .prefetch_related("images")
            .order_by("-created_at", "-id")
        )

    def perform_create(self, serializer):
        serializer.instance = product_create(
            shop=self.get_shop(), fields=dict(serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = product_update(
            product=serializer.instance, changes=dict(serializer.validated_data)
        )

    def perform_destroy(self, instance):
        product_soft_delete(product=instance)


class ProductImageSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.none())
    image = serializers.ImageField(required=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = ProductImage
        fields = ["id", "product", "image", "url", "position"]
        read_only_fields = ["id", "url"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated and "product" in self.fields:
            self.fields["product"].queryset = seller_products(request.user)

    def get_url(self, image) -> str:
        if image.image:
            request = self.context.get("request")
            return request.build_absolute_uri(image.image.url) if request else image.image.url
        return image.url


class ProductImageViewSet(
    SellerViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Upload images (multipart, JPEG/PNG/WebP, checked by content, up to 5 MB and 36 MP)."""

    serializer_class = ProductImageSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return seller_product_images(self.request.user)

    def perform_create(self, serializer):
        product = serializer.validated_data["product"]
        upload = serializer.validated_data["image"]
        upload.seek(0)
        serializer.instance = product_image_add(
            product=product,
            data=upload.read(),
            position=serializer.validated_data.get("position"),
        )

    def perform_destroy(self, instance):
        product_image_delete(image=instance)


router = SimpleRouter()
router.register("shop", ShopViewSet, basename="seller-shop")
router.register("products", ProductViewSet, basename="seller-product")
router.register("product-images", ProductImageViewSet, basename="seller-product-image")

urlpatterns = router.urls
