"""Techaven authentication: JWT bearer tokens tied to a live login session (BRIEF decision 3)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from accounts.selectors import live_session
from core.storefront import Storefront

STOREFRONT_CLAIM = "sf"
SESSION_CLAIM = "sid"


class AccountSuspended(exceptions.PermissionDenied):
    default_detail = "Account suspended"
    default_code = "ACCOUNT_SUSPENDED"


class TechavenJWTAuthentication(JWTAuthentication):
    www_authenticate_realm = "techaven"

    def authenticate(self, request):
        header = self.get_header(request)
        if header is None:
            return None
        raw = self.get_raw_token(header)
        if raw is None:
            raise exceptions.AuthenticationFailed("Invalid or missing token", code="INVALID_TOKEN")
        try:
            token = self.get_validated_token(raw)
        except (InvalidToken, TokenError) as exc:
            raise exceptions.AuthenticationFailed(
                "Invalid or expired token", code="INVALID_TOKEN"
            ) from exc
        if token.get(STOREFRONT_CLAIM) != Storefront.TECHAVEN or not token.get(SESSION_CLAIM):
            raise exceptions.AuthenticationFailed("Invalid or expired token", code="INVALID_TOKEN")
        session = live_session(Storefront.TECHAVEN, uid=str(token[SESSION_CLAIM]))
        user = session.user if session else None
        # simplejwt >= 5.4 writes the user id claim as a string
        claimed = str(token.get("user_id"))
        # the session's storefront is not enough: staff and CryptoShop accounts belong to
        # no Techaven session, however one came to exist (BRIEF decision 1)
        if (
            user is None
            or str(user.pk) != claimed
            or user.storefront != Storefront.TECHAVEN
            or not user.is_active
            or user.is_deleted
        ):
            raise exceptions.AuthenticationFailed("Invalid or expired token", code="INVALID_TOKEN")
        if user.is_suspended:
            raise AccountSuspended()
        request.login_session = session
        return user, token


class TechavenBearerScheme(OpenApiAuthenticationExtension):
    """Describes the storefront's JWT bearer in the schema (registered on import)."""

    target_class = TechavenJWTAuthentication
    name = "TechavenBearer"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
