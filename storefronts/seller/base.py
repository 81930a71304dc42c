"""Seller back office conventions: DRF browsable API, session login or token, own shop only."""

from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer

from catalog.models import Shop


class SellerPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "limit"
    max_page_size = 100


class IsSeller(BasePermission):
    """Signed in and owning at least one active shop."""

    message = "Only sellers with a shop may use the back office."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and seller_shops(user).exists())


def seller_shops(user):
    return Shop.objects.filter(owner=user, is_active=True)


class SellerViewMixin:
    """Mix into DRF generic views/viewsets of the back office."""

    authentication_classes = [SessionAuthentication, TokenAuthentication]
    permission_classes = [IsSeller]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    pagination_class = SellerPagination
    schema = None  # the back office is browsable, not part of a storefront contract

    def get_shop(self) -> Shop:
        shop = seller_shops(self.request.user).order_by("pk").first()
        if shop is None:
            raise PermissionDenied(IsSeller.message)
        return shop
