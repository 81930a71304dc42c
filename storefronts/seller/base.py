"""Seller back office conventions: DRF browsable API, session login or token, own shop only."""

from base64 import b64encode
from hashlib import sha256

from csp.constants import UNSAFE_HASHES, UNSAFE_INLINE
from csp.decorators import csp_update
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    TokenAuthentication,
    get_authorization_header,
)
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from catalog.models import Shop
from catalog.selectors import seller_shops
from core.errors import DomainError
from storefronts.cryptoshop.auth import CryptoShopTokenAuthentication, TwoFactorRequired
from storefronts.errors import problem_from
from storefronts.techaven.auth import TechavenJWTAuthentication

# DRF's browsable API, which the back office is, lays its pages out with style attributes
# and a <style> block (code highlighting), and logs out through one inline onclick: its
# pages add inline styles, and that one handler by its hash, to the site's
# Content-Security-Policy (settings.CONTENT_SECURITY_POLICY). Scripts stay Duka's files.
_LOGOUT_ONCLICK = b'document.getElementById("logoutForm").submit()'
BROWSABLE_API_CSP = {
    "style-src": [UNSAFE_INLINE],
    "script-src": [
        UNSAFE_HASHES,
        f"'sha256-{b64encode(sha256(_LOGOUT_ONCLICK).digest()).decode()}'",
    ],
}
browsable_api_csp = csp_update(BROWSABLE_API_CSP)


class SellerPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "limit"
    max_page_size = 100


class IsSeller(BasePermission):
    """Signed in, not suspended, and owning at least one active shop. Whatever the
    credential (the storefront's token, a session, the API token staff issued)."""

    message = "Only sellers with a shop may use the back office."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if user.suspended_at is not None:
            self.message = "Account suspended"
            return False
        return seller_shops(user).exists()


class StorefrontBearerAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>` with the token the seller's storefront app uses: a
    Techaven JWT, or a CryptoShop access token (the 2FA session token once 2FA is on).
    `?access_token=` works too, for opening the browsable pages as a CryptoShop seller."""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if header and header[0].lower() == b"bearer" and header[1:2]:
            if header[1].count(b".") == 2:  # a JWT
                return TechavenJWTAuthentication().authenticate(request)
        elif header or "access_token" not in request.query_params:
            return None
        found = CryptoShopTokenAuthentication().authenticate(request)
        if found and found[0].two_factor_enabled and not found[1].second_factor_passed:
            raise TwoFactorRequired()
        return found

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="seller"'


def seller_exception_handler(exc, context):
    """The back office answers as DRF does: `{"detail"}`, or a form's field errors (which
    the browsable pages show beside their fields). A refusal of the domain adds its code
    and field errors, with the status of its kind: `{"detail", "code", "errors"}`."""
    if not isinstance(exc, DomainError):
        return exception_handler(exc, context)
    set_rollback()
    problem = problem_from(exc)
    body = {"detail": problem.message, "code": problem.code, "errors": problem.field_errors}
    return Response(body, status=problem.status, headers=problem.headers)


class SellerViewMixin:
    """Mix into DRF generic views/viewsets of the back office."""

    authentication_classes = [
        StorefrontBearerAuthentication,  # first: its header makes a refusal a 401
        SessionAuthentication,
        TokenAuthentication,
    ]
    permission_classes = [IsSeller]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    pagination_class = SellerPagination
    schema = None  # the back office is browsable, not part of a storefront contract

    @classmethod
    def as_view(cls, *args, **kwargs):
        return browsable_api_csp(super().as_view(*args, **kwargs))

    def get_exception_handler(self):
        return seller_exception_handler

    def get_shop(self) -> Shop:
        shop = seller_shops(self.request.user).order_by("pk").first()
        if shop is None:
            raise PermissionDenied(IsSeller.message)
        return shop
