"""Login sessions: the one place tokens are issued and revoked.

Techaven: a session per device; every JWT carries the session uid (`sid`) and the
storefront (`sf`), so revoking the session kills its access and refresh tokens.
CryptoShop: the session token handed out after the second factor.
Revoking also closes the sockets signed in with the session, once the revocation commits
(`accounts.hooks.sessions_ended`, which the notifications app answers).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.hooks import sessions_ended
from accounts.models import LoginSession, User
from accounts.tokens import SESSION_TOKEN_PREFIX, new_secret, token_hash
from core.storefront import Storefront


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds the access token lives


def _pair_for(session: LoginSession) -> TokenPair:
    refresh = RefreshToken.for_user(session.user)
    refresh["sf"] = Storefront.TECHAVEN.value
    refresh["sid"] = session.uid
    access = refresh.access_token
    return TokenPair(
        access_token=str(access),
        refresh_token=str(refresh),
        expires_in=int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()),
    )


@transaction.atomic
def techaven_session_start(*, user: User) -> TokenPair:
    """Open a device session for a verified Techaven user and issue its first token pair."""
    session = LoginSession.objects.create(
        user=user,
        storefront=Storefront.TECHAVEN,
        expires_at=timezone.now() + settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"],
    )
    return _pair_for(session)


def techaven_session_tokens(*, session: LoginSession) -> TokenPair:
    """A fresh pair for an existing session (refresh rotation); the session lives on."""
    LoginSession.objects.filter(pk=session.pk).update(
        expires_at=timezone.now() + settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"]
    )
    return _pair_for(session)


@transaction.atomic
def cryptoshop_session_start(*, user: User, remember: bool) -> str:
    """Open a CryptoShop session after the second factor; returns the token, shown once."""
    ttl = (
        settings.CRYPTOSHOP_REMEMBERED_SESSION_TTL if remember else settings.CRYPTOSHOP_SESSION_TTL
    )
    token = new_secret(SESSION_TOKEN_PREFIX)
    LoginSession.objects.create(
        user=user,
        storefront=Storefront.CRYPTOSHOP,
        token_hash=token_hash(token),
        expires_at=timezone.now() + ttl,
    )
    return token


def session_revoke(*, session: LoginSession) -> None:
    """End one session (logout, refresh-token reuse) and, after commit, its sockets."""
    LoginSession.objects.filter(pk=session.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    sessions_ended(user_id=session.user_id, session_uids=[session.uid])


def sessions_revoke_all(*, user: User, keep: LoginSession | None = None) -> int:
    """Sign the user out everywhere but `keep` (password change or reset, deletion,
    suspension); after commit every socket of the user checks its credential again. The
    seller back office's API token staff issued goes too (staff issue a new one); its
    browser sessions end by themselves (a new password, or the account refused)."""
    live = LoginSession.objects.filter(user=user, revoked_at__isnull=True)
    if keep is not None:
        live = live.exclude(pk=keep.pk)
    revoked = live.update(revoked_at=timezone.now())
    Token.objects.filter(user=user).delete()
    sessions_ended(user_id=user.pk)
    return revoked
