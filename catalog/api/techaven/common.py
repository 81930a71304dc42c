"""What the Techaven catalog sections share: the storefront, the paging parameters and
block, and the public view (the filters several lists take are in `filters`)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from catalog.api import schema_auth  # noqa: F401 - registers the auth schemes
from core.storefront import Storefront
from storefronts.techaven.base import TechavenView

TH = Storefront.TECHAVEN


class PaginationSerializer(serializers.Serializer):
    current_page = serializers.IntegerField()
    total_pages = serializers.IntegerField()
    total_items = serializers.IntegerField()
    items_per_page = serializers.IntegerField()
    has_next = serializers.BooleanField()
    has_previous = serializers.BooleanField()


def file_url(request, field) -> str | None:
    if not field:
        return None
    return request.build_absolute_uri(field.url) if request is not None else field.url


PAGE_PARAMS = [
    OpenApiParameter("page", OpenApiTypes.INT, description="Page number (default 1)"),
    OpenApiParameter("limit", OpenApiTypes.INT, description="Items per page (max 100)"),
]


class PublicView(TechavenView):
    permission_classes = [AllowAny]
