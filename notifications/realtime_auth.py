"""Who is on the other end of a socket: the storefronts' own token checks, reused.

CryptoShop tokens go through `CryptoShopTokenAuthentication` and the 2FA gate of
`IsCryptoShopUser` (a bare access token of a 2FA account is refused; the session token
from `/auth/2fa/verify` is accepted). Techaven JWTs go through
`TechavenJWTAuthentication` (the login session must be live).

A socket keeps the `SocketIdentity` it signed in with: the login session (a Techaven JWT's
`sid`, a CryptoShop session token) or, for a CryptoShop account without 2FA, its access
token. `identity_is_live` answers whether that credential would still open the storefront:
the socket is closed as soon as it would not (issue 12, finding 6).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from rest_framework import exceptions

from accounts.models import LoginSession, User
from accounts.tokens import ACCESS_TOKEN_PREFIX, SESSION_TOKEN_PREFIX, token_hash


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


@dataclass(frozen=True, slots=True)
class SocketIdentity:
    """The user a socket signed in as and the credential it used: a login session's uid, or
    (a CryptoShop account without 2FA) the hash of the access token."""

    user_id: int
    session_uid: str | None = None
    access_token_hash: str | None = None

    def signed_in_with(self, session_uids: list[str]) -> bool:
        return self.session_uid is not None and self.session_uid in session_uids


def cryptoshop_identity(token: str) -> SocketIdentity:
    from storefronts.cryptoshop.auth import CryptoShopTokenAuthentication

    try:
        result = CryptoShopTokenAuthentication().authenticate(_request_with_bearer(token))
    except exceptions.APIException as exc:
        raise AuthenticationFailed(str(exc.detail)) from exc
    if result is None:
        raise AuthenticationFailed("access token required")
    user, auth = result
    if auth.session is not None:
        return SocketIdentity(user_id=user.pk, session_uid=auth.session.uid)
    if user.two_factor_enabled:
        raise AuthenticationFailed("two-factor authentication required")
    return SocketIdentity(user_id=user.pk, access_token_hash=token_hash(token))


def techaven_identity(token: str) -> SocketIdentity:
    from storefronts.techaven.auth import TechavenJWTAuthentication

    request = _request_with_bearer(token)
    try:
        result = TechavenJWTAuthentication().authenticate(request)
    except exceptions.APIException as exc:
        raise AuthenticationFailed(str(exc.detail)) from exc
    if result is None:
        raise AuthenticationFailed("token required")
    return SocketIdentity(user_id=result[0].pk, session_uid=request.login_session.uid)


def identity_for_token(token: object, *, storefront: str | None = None) -> SocketIdentity:
    """Who a CryptoShop token or a Techaven JWT signs in, and with which credential;
    AuthenticationFailed if nobody."""
    if not isinstance(token, str) or not token.strip():
        raise AuthenticationFailed("access token required")
    token = token.strip()
    if storefront == "cryptoshop" or token.startswith((ACCESS_TOKEN_PREFIX, SESSION_TOKEN_PREFIX)):
        return cryptoshop_identity(token)
    return techaven_identity(token)


def identity_is_live(identity: SocketIdentity) -> bool:
    """Would the socket's credential still sign it in? Its session not revoked nor expired;
    the access token still the account's and not behind 2FA; the account active, not
    deleted, not suspended. The access token of a JWT is not looked at: a socket lives
    as long as its device session, which refreshing keeps alive."""
    if identity.session_uid is not None:
        session = (
            LoginSession.objects.select_related("user")
            .filter(uid=identity.session_uid, user_id=identity.user_id)
            .first()
        )
        if session is None or not session.is_live:
            return False
        user = session.user
    else:
        user = User.objects.filter(
            pk=identity.user_id, access_token_hash=identity.access_token_hash
        ).first()
        if user is None or user.two_factor_enabled:
            return False
    return user.is_active and not user.is_deleted and not user.is_suspended
