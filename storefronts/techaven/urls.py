"""Techaven: the document's `/api/...` paths, mounted at `/techaven/api/` (or `/api/` by host)."""

from django.urls import re_path

from storefronts.routing import gather
from storefronts.schema import schema_urls

from .base import TechavenUnknownEndpoint

urlpatterns = [
    *gather("techaven"),
    *schema_urls("techaven"),
    re_path(r"^.*$", TechavenUnknownEndpoint.as_view()),
]
