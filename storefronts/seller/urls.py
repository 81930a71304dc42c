"""Seller back office: the DRF browsable API at `/seller/api/`, session login or token."""

from django.urls import include, path
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from storefronts.routing import gather
from storefronts.seller.base import SellerViewMixin

SECTIONS = {
    "shop": "seller-shop-list",
    "products": "seller-product-list",
    "product-images": "seller-product-image-list",
    "orders": "seller-order-list",
}


class SellerRoot(SellerViewMixin, APIView):
    """The back office: your shop's profile, products, product images and orders.

    Sign in with the "Log in" link (your seller account), or send
    `Authorization: Token <key>`.
    """

    def get(self, request):
        return Response({name: reverse(url, request=request) for name, url in SECTIONS.items()})


urlpatterns = [
    path("", SellerRoot.as_view(), name="seller-root"),
    path("auth/", include("rest_framework.urls")),
    *gather("seller"),
]
