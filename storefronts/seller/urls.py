"""Seller back office: the DRF browsable API at `/seller/api/`, session login or token."""

from django.contrib.auth import views as auth_views
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from storefronts.routing import gather
from storefronts.seller.base import SellerViewMixin, browsable_api_csp

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


# rest_framework.urls' sign-in and sign-out, with the browsable pages' policy
auth_urls = [
    path(
        "login/",
        browsable_api_csp(auth_views.LoginView.as_view(template_name="rest_framework/login.html")),
        name="login",
    ),
    path("logout/", browsable_api_csp(auth_views.LogoutView.as_view()), name="logout"),
]

urlpatterns = [
    path("", SellerRoot.as_view(), name="seller-root"),
    path("auth/", include((auth_urls, "rest_framework"))),
    *gather("seller"),
]
