"""Who is on the other end of a socket: the storefronts' own token checks, reused.

CryptoShop tokens go through `CryptoShopTokenAuthentication` and the 2FA gate of
`IsCryptoShopUser` (a bare access token of a 2FA account is refused; the session token
from `/auth/2fa/verify` is accepted). Techaven JWTs go through
`TechavenJWTAuthentication` (the login session must be live).
"""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework import exceptions

from accounts.models import User
from accounts.tokens import ACCESS_TOKEN_PREFIX, SESSION_TOKEN_PREFIX


class AuthenticationFailed(Exception):
    """The socket's token is missing, wrong, expired or not past the second factor."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Authentication failed: {reason}")


def _request_with_bearer(token: str) -> HttpRequest:
    """A bare request carrying the token as its Bearer, for the storefronts' authenticators."""
    request = HttpRequest()
    request.META["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    request.query_params = {}  # what DRF's Request adds and the CryptoShop reader looks at
    return request


def cryptoshop_user(token: str) -> User:
    from storefronts.cryptoshop.auth import CryptoShopTokenAuthentication

    try:
        result = CryptoShopTokenAuthentication().authenticate(_request_with_bearer(token))
    except exceptions.APIException as exc:
        raise AuthenticationFailed(str(exc.detail)) from exc
    if result is None:
        raise AuthenticationFailed("access token required")
    user, auth = result
    if user.two_factor_enabled and not auth.second_factor_passed:
        raise AuthenticationFailed("two-factor authentication required")
    return user


def techaven_user(token: str) -> User:
    from storefronts.techaven.auth import TechavenJWTAuthentication

    try:
        result = TechavenJWTAuthentication().authenticate(_request_with_bearer(token))
    except exceptions.APIException as exc:
        raise AuthenticationFailed(str(exc.detail)) from exc
    if result is None:
        raise AuthenticationFailed("token required")
    return result[0]


def user_for_token(token: object, *, storefront: str | None = None) -> User:
    """The user a CryptoShop token or a Techaven JWT belongs to; AuthenticationFailed if none."""
    if not isinstance(token, str) or not token.strip():
        raise AuthenticationFailed("access token required")
    token = token.strip()
    if storefront == "cryptoshop" or token.startswith((ACCESS_TOKEN_PREFIX, SESSION_TOKEN_PREFIX)):
        return cryptoshop_user(token)
    return techaven_user(token)
