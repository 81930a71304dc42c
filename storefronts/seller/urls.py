"""Seller back office: the DRF browsable API at `/seller/api/`, session login or token."""

from django.urls import include, path

from storefronts.routing import gather

urlpatterns = [
    path("auth/", include("rest_framework.urls")),
    *gather("seller"),
]
