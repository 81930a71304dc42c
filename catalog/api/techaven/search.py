"""Techaven contract, section 13 (Search): product search with its facets and
suggestions, and autocomplete."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from catalog import search, selectors
from catalog.pagecache import cached_page
from storefronts.filters import filter_params
from storefronts.techaven.base import (
    TechavenPaginationSerializer,
    TechavenPublicView,
    pagination_block,
)

from .common import PAGE_PARAMS, TH
from .filters import SEARCH_SORTS, ProductSearchFilter, SuggestionFilter
from .products import CARD_FIELDS, ProductCardSerializer, product_cards


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
    pagination = TechavenPaginationSerializer()


class SuggestionSerializer(serializers.Serializer):
    text = serializers.CharField()
    type = serializers.ChoiceField(choices=["product", "category"])


class SuggestionListSerializer(serializers.Serializer):
    suggestions = SuggestionSerializer(many=True)


class SearchView(TechavenPublicView):
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
        params = filter_params(ProductSearchFilter, request.query_params).form.cleaned_data
        text, category_ids = params["q"], params["category_id"]
        lo, hi = params["min_price"], params["max_price"]
        page_no, limit = self.page_params()
        field, descending = params["sort"]
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
            count_key=query,
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


class SearchSuggestionsView(TechavenPublicView):
    rate_limit_scope = "search"

    @extend_schema(
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, required=True)],
        responses={200: SuggestionListSerializer},
    )
    @cached_page()
    def get(self, request):
        text = filter_params(SuggestionFilter, request.query_params).form.cleaned_data["q"]
        products = search.product_suggestions(selectors.products_listed(TH), text, 5)
        categories = search.category_suggestions(TH, text, 3)
        suggestions = [{"text": t, "type": "product"} for t in products] + [
            {"text": t, "type": "category"} for t in categories
        ]
        return self.ok({"suggestions": suggestions}, message="Suggestions retrieved")
