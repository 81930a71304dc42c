"""Techaven sign-up, sign-in and password recovery (document section 1, BRIEF decision 3).

Password first, then an e-mailed OTP; only a verified OTP opens a session and
issues JWTs. Nothing here tells a caller whether an e-mail address has an account,
except forgot-password, whose 404 the document asks for.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.conf import otp_resend_window, password_min_length
from accounts.errors import AccountError, AccountErrorCode
from accounts.hooks import techaven_account_opened
from accounts.locks import user_lock
from accounts.models import EmailOTP, LoginSession, PasswordResetToken, User
from accounts.selectors import techaven_user_by_email
from accounts.services.otp import otp_check, otp_issue, otp_latest, otp_resend_wait, otp_revoke_all
from accounts.services.sessions import (
    TokenPair,
    session_revoke,
    sessions_revoke_all,
    techaven_session_start,
    techaven_session_tokens,
)
from accounts.tokens import RESET_TOKEN_PREFIX, new_secret, token_hash
from core.errors import ErrorKind
from core.ids import new_uid
from core.storefront import Storefront

Purpose = EmailOTP.Purpose


@dataclass(frozen=True, slots=True)
class SignedIn:
    user: User
    tokens: TokenPair


@dataclass(frozen=True, slots=True)
class ResetGrant:
    reset_token: str


def normalise_email(email: str) -> str:
    # one spelling per address, so that the unique constraint is case-insensitive too
    return email.strip().lower()


def password_check_rules(password: str, *, field: str = "new_password") -> None:
    """The document's only rule: at least 6 characters (422 where the document says so)."""
    minimum = password_min_length()
    if len(password) < minimum:
        raise AccountError(
            AccountErrorCode.PASSWORD_TOO_WEAK,
            f"Password does not meet requirements: at least {minimum} characters.",
            field=field,
            kind=ErrorKind.UNPROCESSABLE,
        )


def _ensure_may_sign_in(user: User) -> None:
    if user.is_suspended:
        raise AccountError(
            AccountErrorCode.ACCOUNT_SUSPENDED, "Account suspended", kind=ErrorKind.FORBIDDEN
        )
    if not user.is_active:
        raise AccountError(
            AccountErrorCode.ACCOUNT_DEACTIVATED, "Account deactivated", kind=ErrorKind.FORBIDDEN
        )


def _pending_otp_is_fresh(user: User, purpose: str) -> bool:
    """A live, unused code of this purpose went out less than the resend interval ago."""
    last = otp_latest(user=user, purpose=purpose)
    now = timezone.now()
    return (
        last is not None
        and last.used_at is None
        and last.expires_at > now
        and last.created_at + settings.OTP_RESEND_INTERVAL > now
    )


@transaction.atomic(durable=True)
def techaven_user_register(*, full_name: str, email: str, password: str) -> User:
    """Create an unverified account and e-mail it a signup OTP. 409 if the e-mail is taken."""
    email = normalise_email(email)
    if techaven_user_by_email(email) is not None:
        raise _email_taken()
    user = User(
        storefront=Storefront.TECHAVEN,
        username=f"th_{new_uid()}",
        email=email,
        full_name=" ".join(full_name.split()),
    )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # a concurrent sign-up with the same address won the race
        raise _email_taken() from None
    techaven_account_opened(user=user)  # the wallet app opens its MWK wallet
    otp_issue(user=user, purpose=Purpose.SIGNUP)
    return user


def _email_taken() -> AccountError:
    return AccountError(
        AccountErrorCode.EMAIL_TAKEN,
        "Email already registered",
        field="email",
        kind=ErrorKind.CONFLICT,
    )


@transaction.atomic(durable=True)
def techaven_login_start(*, email: str, password: str) -> User:
    """Check the password and e-mail a login OTP.

    A second login within the resend interval reuses the code already sent
    instead of mailing another one (the document's resend limit, without a 429
    for a user who simply tapped "Sign in" twice).
    """
    user = techaven_user_by_email(email)
    if user is None or not user.has_usable_password():
        make_password(password)  # same work as a real check: no timing oracle for e-mails
        raise _bad_credentials()
    if not user.check_password(password):
        raise _bad_credentials()
    _ensure_may_sign_in(user)
    user_lock(user.pk)
    if not _pending_otp_is_fresh(user, Purpose.LOGIN):
        otp_issue(user=user, purpose=Purpose.LOGIN)
    return user


def _bad_credentials() -> AccountError:
    return AccountError(
        AccountErrorCode.INVALID_CREDENTIALS,
        "Invalid email or password",
        kind=ErrorKind.UNAUTHENTICATED,
    )


def techaven_otp_verify(*, email: str, code: str, purpose: str) -> SignedIn | ResetGrant:
    """Use up a code: signup/login open a session, password_reset grants a reset token.

    400 for a wrong, expired or superseded code, 429 once it has had its tries.
    A wrong try is counted even though an error is returned, so the count is
    committed first and the error raised afterwards.
    """
    user = techaven_user_by_email(email)
    with transaction.atomic(durable=True):
        outcome = otp_check(user=user, purpose=purpose, code=code)
        if outcome.error is None:
            assert user is not None
            result = _otp_verified(user, purpose)
    if outcome.error is not None:
        raise outcome.error
    return result


def _otp_verified(user: User, purpose: str) -> SignedIn | ResetGrant:
    if purpose == Purpose.PASSWORD_RESET:
        now = timezone.now()
        PasswordResetToken.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
        raw = new_secret(RESET_TOKEN_PREFIX)
        PasswordResetToken.objects.create(
            user=user,
            token_hash=token_hash(raw),
            expires_at=now + settings.PASSWORD_RESET_TOKEN_TTL,
            created_at=now,
        )
        return ResetGrant(reset_token=raw)
    _ensure_may_sign_in(user)
    if user.email_verified_at is None:  # the code reached the mailbox: the address is proven
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at", "updated_at"])
    return SignedIn(user=user, tokens=techaven_session_start(user=user))


def _may_resend(user: User, purpose: str) -> bool:
    if purpose == Purpose.SIGNUP:
        return user.email_verified_at is None
    if purpose == Purpose.LOGIN:
        # a login code signs in without the password: only resend within a login the
        # password opened recently
        last = otp_latest(user=user, purpose=purpose)
        return (
            last is not None
            and last.created_at > timezone.now() - otp_resend_window()
            and not user.is_suspended
            and user.is_active
        )
    return True  # password_reset: anyone may ask for one (forgot-password)


@transaction.atomic(durable=True)
def techaven_otp_resend(*, email: str, purpose: str) -> None:
    """Send a fresh code (superseding the old one), at most once per `OTP_RESEND_INTERVAL`.

    Answers the same for an unknown address or a flow with nothing to resend,
    so that it never tells who has an account.
    """
    user = techaven_user_by_email(email)
    if user is None:
        return
    user_lock(user.pk)  # concurrent resends: the second one sees the first's code and waits
    wait = otp_resend_wait(user=user, purpose=purpose)
    if wait:
        raise AccountError(
            AccountErrorCode.OTP_RESEND_TOO_SOON,
            f"Please wait {wait} seconds before requesting another OTP.",
            kind=ErrorKind.TOO_MANY,
            retry_after=wait,
        )
    if _may_resend(user, purpose):
        otp_issue(user=user, purpose=purpose)


@transaction.atomic(durable=True)
def techaven_password_forgot(*, email: str) -> User:
    """E-mail a password-reset OTP; 404 when no account has this e-mail (as documented)."""
    user = techaven_user_by_email(email)
    if user is None:
        raise AccountError(
            AccountErrorCode.EMAIL_NOT_FOUND,
            "Email not found",
            field="email",
            kind=ErrorKind.NOT_FOUND,
        )
    user_lock(user.pk)
    if not _pending_otp_is_fresh(user, Purpose.PASSWORD_RESET):
        otp_issue(user=user, purpose=Purpose.PASSWORD_RESET)
    return user


@transaction.atomic(durable=True)
def techaven_password_reset(*, email: str, reset_token: str, new_password: str) -> None:
    """Set a new password with a single-use reset token.

    Everything issued before it dies with it: every outstanding code (a login code
    started with the old password, a signup code, another reset code), every other
    reset token, then every session. Codes die before sessions are revoked, so a
    code being used at the same moment is either refused or its new session revoked.
    """
    user = techaven_user_by_email(email)
    invalid = AccountError(
        AccountErrorCode.RESET_TOKEN_INVALID,
        "Invalid or expired reset token",
        field="reset_token",
    )
    if user is None or not reset_token.startswith(RESET_TOKEN_PREFIX):
        raise invalid
    now = timezone.now()
    live = PasswordResetToken.objects.filter(
        user=user, token_hash=token_hash(reset_token), used_at__isnull=True, expires_at__gt=now
    )
    if not live.exists():
        raise invalid
    password_check_rules(new_password)  # a weak password leaves the token usable
    if live.update(used_at=now) != 1:  # compare-and-set: a token works once
        raise invalid
    user.set_password(new_password)
    user.save(update_fields=["password", "updated_at"])
    otp_revoke_all(user=user)
    sessions_revoke_all(user=user)


class _RefreshToken(RefreshToken):
    """Signature, expiry and type checked as usual; the blacklist is checked atomically below."""

    def check_blacklist(self) -> None:
        return None


def _refresh_invalid() -> AccountError:
    return AccountError(
        AccountErrorCode.REFRESH_TOKEN_INVALID,
        "Invalid or expired refresh token",
        kind=ErrorKind.UNAUTHENTICATED,
    )


def techaven_token_refresh(*, refresh_token: str) -> TokenPair:
    """Rotate: blacklist the presented refresh token and issue a new pair for its session.

    Blacklisting is a get_or_create on the token's unique OutstandingToken row, so
    of two concurrent uses exactly one wins. Presenting a token that was already
    rotated is taken as theft (RFC 6819 5.2.2.3): the whole session is revoked.
    """
    try:
        token = _RefreshToken(refresh_token)
    except TokenError:
        raise _refresh_invalid() from None
    sid = token.get("sid")
    if token.get("sf") != Storefront.TECHAVEN or not sid:
        raise _refresh_invalid()
    reused = False
    pair: TokenPair | None = None
    with transaction.atomic(durable=True):
        outstanding = OutstandingToken.objects.filter(jti=token[jwt_settings.JTI_CLAIM]).first()
        if outstanding is not None:
            _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
            session = (
                LoginSession.objects.select_related("user")
                .filter(uid=sid, storefront=Storefront.TECHAVEN)
                .first()
            )
            if not created:
                reused = True
                if session is not None:
                    session_revoke(session=session)
            elif session is not None and _session_may_refresh(session, token):
                pair = techaven_session_tokens(session=session)
    if reused or pair is None:
        raise _refresh_invalid()
    return pair


def _session_may_refresh(session: LoginSession, token: RefreshToken) -> bool:
    user = session.user
    return (
        session.is_live
        and str(user.pk) == str(token.get(jwt_settings.USER_ID_CLAIM))
        and user.is_active
        and not user.is_deleted
        and not user.is_suspended
    )


def techaven_logout(*, session: LoginSession) -> None:
    """Revoke the device session: its access and refresh tokens stop working at once."""
    session_revoke(session=session)
