"""CryptoShop authentication (BRIEF decision 4).

The access token is read from `Authorization: Bearer`, the `access_token` query
parameter or the `access_token` body field. Once 2FA is on, the bare access token
opens only the endpoints marked `allow_before_second_factor`; everything else
wants the session token that `/auth/2fa/verify` hands out.
"""

from __future__ import annotations

from dataclasses import dataclass

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.models import LoginSession
from accounts.selectors import cryptoshop_account_by_token, live_session
from accounts.tokens import SESSION_TOKEN_PREFIX, token_hash
from core.storefront import Storefront


@dataclass(frozen=True)
class CryptoShopAuth:
    token: str
    session: LoginSession | None

    @property
    def second_factor_passed(self) -> bool:
        return self.session is not None


class TwoFactorRequired(exceptions.AuthenticationFailed):
    default_detail = "Two-factor authentication required"
    default_code = "TWO_FACTOR_REQUIRED"


class AccountSuspended(exceptions.PermissionDenied):
    default_detail = "Account suspended"
    default_code = "ACCOUNT_SUSPENDED"


def _invalid() -> exceptions.AuthenticationFailed:
    return exceptions.AuthenticationFailed("Invalid or expired access token", code="INVALID_TOKEN")


def raw_token(request) -> str | None:
    header = get_authorization_header(request).split()
    if header:
        if header[0].lower() != b"bearer" or len(header) != 2:
            raise _invalid()
        return header[1].decode("latin-1")
    token = request.query_params.get("access_token")
    if token:
        return token
    if request.content_type and request.content_type.startswith("application/json"):
        data = request.data
        if isinstance(data, dict) and isinstance(data.get("access_token"), str):
            return data["access_token"]
    return None


class CryptoShopTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        token = raw_token(request)
        if not token:
            return None
        digest = token_hash(token)
        session = None
        if token.startswith(SESSION_TOKEN_PREFIX):
            session = live_session(Storefront.CRYPTOSHOP, token_hash=digest)
            user = session.user if session else None
        else:
            user = cryptoshop_account_by_token(digest)
        if user is None or not user.is_active or user.is_deleted:
            raise _invalid()
        if user.is_suspended:
            raise AccountSuspended()
        return user, CryptoShopAuth(token=token, session=session)

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="cryptoshop"'


def past_second_factor(request) -> bool:
    """The request's user passed the second factor, or has none: a bare access token of a
    2FA account is not, and sees nothing only its owner may (a read lets it through)."""
    auth = request.auth
    return not request.user.two_factor_enabled or (
        isinstance(auth, CryptoShopAuth) and auth.second_factor_passed
    )


class IsCryptoShopUser(BasePermission):
    """Signed in, and past the second factor when the account has 2FA on."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if not getattr(view, "allow_before_second_factor", False) and not past_second_factor(
            request
        ):
            raise TwoFactorRequired()
        return True


class IsCryptoShopUserOrReadOnly(IsCryptoShopUser):
    """Anyone reads (the catalog); only a signed-in CryptoShop user writes."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return super().has_permission(request, view)


class CryptoShopTokenScheme(OpenApiAuthenticationExtension):
    """Describes the access/session token in the schema (header form; query and body work too)."""

    target_class = CryptoShopTokenAuthentication
    name = "CryptoShopBearer"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Access token (cs_...) or, once 2FA is on, the session token (css_...). "
            "Also accepted as the `access_token` query parameter or body field.",
        }
