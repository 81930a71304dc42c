"""Techaven contract, section 4 (Categories): the category tree with product counts, and a
category's products (its subcategories' included)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers

from catalog import selectors
from catalog.errors import not_found
from catalog.pagecache import cached_page
from storefronts.answer_fields import MediaUrlField
from storefronts.techaven.base import TechavenPublicView

from .common import TH
from .filters import CategoryProductFilter
from .products import PRODUCT_LIST_PARAMS, ProductListingView, ProductListSerializer, product_query


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
    image_url = MediaUrlField(source="image")
    is_featured = serializers.BooleanField()
    parent_id = serializers.IntegerField(allow_null=True)
    subcategories = serializers.SerializerMethodField()

    @extend_schema_field(SubcategorySerializer(many=True))
    def get_subcategories(self, c) -> list[dict]:
        children = self.context["children"].get(c.pk, [])
        return SubcategorySerializer(children, many=True, context=self.context).data


class CategoryListSerializer(serializers.Serializer):
    categories = CategorySerializer(many=True)


class CategoryListView(TechavenPublicView):
    @extend_schema(responses={200: CategoryListSerializer})
    @cached_page()
    def get(self, request):
        roots, children = selectors.category_tree(TH)
        ctx = {
            "request": request,
            "counts": selectors.category_product_counts(TH),
            "children": children,
        }
        data = {"categories": CategorySerializer(roots, many=True, context=ctx).data}
        return self.ok(data, message="Categories retrieved")


class CategoryProductsView(ProductListingView):
    @extend_schema(parameters=PRODUCT_LIST_PARAMS, responses={200: ProductListSerializer})
    @cached_page()
    def get(self, request, category_id: int):
        ids = selectors.category_subtree(TH, category_id)
        if ids is None:
            raise not_found("Category")
        query = product_query(request.query_params, CategoryProductFilter, category_ids=ids)
        return self.product_list_response("Products retrieved", query=query)
