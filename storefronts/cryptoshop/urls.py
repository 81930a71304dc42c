"""CryptoShop: the document's `/api/...` paths at `/cryptoshop/api/` (or `/api/` by host)."""

from django.urls import re_path

from storefronts.routing import gather
from storefronts.schema import schema_urls

from .base import CryptoShopUnknownEndpoint

urlpatterns = [
    *gather("cryptoshop"),
    *schema_urls("cryptoshop"),
    re_path(r"^.*$", CryptoShopUnknownEndpoint.as_view()),
]
