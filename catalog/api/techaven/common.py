"""What the Techaven catalog sections share: the storefront, the paging parameters and
block, and the public view (the filters several lists take are in `filters`)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from core.storefront import Storefront

TH = Storefront.TECHAVEN


PAGE_PARAMS = [
    OpenApiParameter("page", OpenApiTypes.INT, description="Page number (default 1)"),
    OpenApiParameter("limit", OpenApiTypes.INT, description="Items per page (max 100)"),
]
