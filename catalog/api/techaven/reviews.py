"""Techaven contract, section 3.7-3.8 (a product's reviews): the list with its summary,
and adding one. Review ids are `rev_<uid>`."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticatedOrReadOnly

from catalog import conf, selectors
from catalog.api.common import rating_field
from catalog.errors import not_found
from catalog.services.reviews import ReviewInput, review_add
from core.ids import TechavenIds
from core.images import base64_max_length
from storefronts.answer_fields import MediaUrlField, PublicIdField
from storefronts.base import media_url
from storefronts.fields import BoundedListField
from storefronts.pagination import paginate
from storefronts.techaven.base import TechavenPaginationSerializer, TechavenView, pagination_block

from .common import PAGE_PARAMS, TH


class ReviewUserSerializer(serializers.Serializer):
    id = PublicIdField(TechavenIds.USER)
    full_name = serializers.CharField()
    avatar_url = MediaUrlField(source="avatar")


class ReviewSerializer(serializers.Serializer):
    id = PublicIdField(TechavenIds.REVIEW)
    user = ReviewUserSerializer()
    rating = serializers.IntegerField()
    title = serializers.CharField()
    comment = serializers.CharField()
    images = serializers.SerializerMethodField()
    is_verified_purchase = serializers.BooleanField()
    helpful_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()

    def get_images(self, review) -> list[str]:
        return [media_url(self.context.get("request"), i.image) for i in review.images.all()]


class ReviewSummarySerializer(serializers.Serializer):
    average_rating = rating_field()
    total_reviews = serializers.IntegerField()
    rating_breakdown = serializers.DictField(child=serializers.IntegerField())


class ReviewListSerializer(serializers.Serializer):
    reviews = ReviewSerializer(many=True)
    summary = ReviewSummarySerializer()
    pagination = TechavenPaginationSerializer()


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
    id = PublicIdField(TechavenIds.REVIEW)
    rating = serializers.IntegerField()
    title = serializers.CharField()
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


class ProductReviewsView(TechavenView):
    permission_classes = [IsAuthenticatedOrReadOnly]

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
        data = self.validated_body(ReviewInSerializer)
        review = review_add(
            user=request.user,
            product_id=product_id,
            storefront=TH,
            data=ReviewInput(
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
