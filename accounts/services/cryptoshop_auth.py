"""CryptoShop anonymous accounts: access token, TOTP 2FA and backup codes (BRIEF decision 4)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from base64 import b32encode
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.errors import AccountError, AccountErrorCode
from accounts.models import LoginSession, Storefront, User
from accounts.services.sessions import cryptoshop_session_start, session_revoke
from accounts.tokens import new_access_token, token_hash
from core.errors import ErrorKind

TOTP_DEVICE_NAME = "CryptoShop"
BACKUP_DEVICE_NAME = "CryptoShop backup codes"
BACKUP_CODE_COUNT = 10
# Wrong second factors allowed per user in a window before verify answers 429.
VERIFY_MAX_FAILURES = 5
VERIFY_FAILURE_WINDOW = 15 * 60


class CryptoShopAuthCode(StrEnum):
    """Codes only the CryptoShop auth use cases raise (the shared ones live in accounts.errors)."""

    INVALID_TOKEN = "INVALID_TOKEN"
    TWO_FACTOR_LOCKED = "TWO_FACTOR_LOCKED"


@dataclass(frozen=True, slots=True)
class NewAccount:
    user: User
    access_token: str  # shown once; only its hash is kept


@dataclass(frozen=True, slots=True)
class TwoFactorSetup:
    secret: str  # base32, as authenticator apps want it
    qr_code_url: str


@dataclass(frozen=True, slots=True)
class TwoFactorVerified:
    session_token: str
    # only on the verify that turns 2FA on (or confirms a re-keyed device)
    backup_codes: list[str] | None


@transaction.atomic(durable=True)
def cryptoshop_user_register() -> NewAccount:
    """Create an anonymous account. No personal data is asked for or kept."""
    token = new_access_token()
    for _ in range(5):
        username = f"user_{int(time.time() * 1000)}{secrets.randbelow(1000):03d}"
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    username=username,
                    storefront=Storefront.CRYPTOSHOP,
                    access_token_hash=token_hash(token),
                )
            return NewAccount(user=user, access_token=token)
        except IntegrityError:
            continue
    raise RuntimeError("could not allocate a unique username")


@transaction.atomic(durable=True)
def cryptoshop_login(*, access_token: str, remember: bool) -> User:
    """Sign in with the access token alone.

    The answer says whether a second factor is still wanted; the choice of
    `rememberDevice` is kept on the user for the session `/auth/2fa/verify` opens.
    """
    user = (
        User.objects.select_for_update()
        .filter(access_token_hash=token_hash(access_token), storefront=Storefront.CRYPTOSHOP)
        .first()
    )
    if user is None or not user.is_active or user.is_deleted:
        raise AccountError(
            CryptoShopAuthCode.INVALID_TOKEN,
            "Invalid or expired access token",
            kind=ErrorKind.UNAUTHENTICATED,
        )
    if user.is_suspended:
        raise AccountError(
            AccountErrorCode.ACCOUNT_SUSPENDED, "Account suspended", kind=ErrorKind.FORBIDDEN
        )
    if user.remember_next_session != remember:
        user.remember_next_session = remember
        user.save(update_fields=["remember_next_session", "updated_at"])
    return user


def _qr_code_url(*, username: str, secret: str) -> str:
    issuer = settings.OTP_TOTP_ISSUER
    return (
        f"otpauth://totp/{quote(issuer)}:{quote(username)}?secret={secret}&issuer={quote(issuer)}"
    )


@transaction.atomic(durable=True)
def cryptoshop_2fa_setup(*, user: User) -> TwoFactorSetup:
    """Make a new TOTP secret; it only counts once a code from it is verified.

    Setting up again replaces a device that was never confirmed. When 2FA is
    already on (the caller is past the second factor: the gate sees to that),
    the confirmed device keeps working until a code from the new one is verified.
    """
    User.objects.select_for_update().filter(pk=user.pk).first()
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return TwoFactorSetup(
        secret=secret, qr_code_url=_qr_code_url(username=user.username, secret=secret)
    )


# --- second factor -------------------------------------------------------------


def _attempts_key(user: User) -> str:
    return f"cs:2fa:attempts:{user.pk}"


def _take_attempt(user: User) -> tuple[int, int]:
    """Count one verify attempt atomically; returns (attempts in the window, window end)."""
    key = _attempts_key(user)
    now = int(time.time())
    # the window starts at the first attempt; incr keeps the key's expiry
    cache.add(f"{key}:until", now + VERIFY_FAILURE_WINDOW, timeout=VERIFY_FAILURE_WINDOW)
    cache.add(key, 0, timeout=VERIFY_FAILURE_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=VERIFY_FAILURE_WINDOW)
        count = 1
    until = int(cache.get(f"{key}:until") or now + VERIFY_FAILURE_WINDOW)
    return count, until


def _give_back_attempt(user: User) -> None:
    try:
        cache.decr(_attempts_key(user))
    except ValueError:
        pass


def _no_backoff(device):
    """django-otp's per-device exponential back-off would refuse a right code typed within a
    second of a typo; our own limit (5 wrong codes per 15 minutes, then 429) replaces it."""
    device.get_throttle_factor = lambda: 0
    return device


def backup_code_digest(code: str) -> str:
    """Backup codes are kept as a keyed digest (StaticToken holds 16 characters), never plain."""
    normalised = code.strip().lower().replace("-", "").replace(" ", "")
    mac = hmac.new(settings.SECRET_KEY.encode(), f"cs-backup:{normalised}".encode(), hashlib.sha256)
    return mac.hexdigest()[:16]


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=backup_code_digest(code)) for code in codes
    )
    return codes


def _invalid_code() -> AccountError:
    return AccountError(
        AccountErrorCode.TWO_FACTOR_CODE_INVALID,
        "Invalid two-factor code",
        field="token",
    )


def _verify_in_transaction(*, user: User, code: str, remember: bool | None) -> TwoFactorVerified:
    # one verify per user at a time: django-otp's replay guard (last_t) is read-then-write,
    # so two concurrent requests could otherwise both spend the same TOTP code
    user = User.objects.select_for_update().get(pk=user.pk)
    devices = list(TOTPDevice.objects.filter(user=user).order_by("-confirmed", "pk"))
    confirmed = [d for d in devices if d.confirmed] if user.two_factor_enabled else []
    pending = [d for d in devices if not d.confirmed]
    if not confirmed and not pending:
        raise AccountError(
            AccountErrorCode.TWO_FACTOR_NOT_SET_UP,
            "Two-factor authentication is not set up",
        )

    code = code.strip().replace(" ", "")
    matched = None
    if code.isdigit() and len(code) == 6:
        for device in confirmed + pending:
            if _no_backoff(device).verify_token(code):
                matched = device
                break
    elif user.two_factor_enabled:
        backup = StaticDevice.objects.filter(user=user, confirmed=True).first()
        if backup is not None and _no_backoff(backup).verify_token(backup_code_digest(code)):
            matched = backup
    if matched is None:
        raise _invalid_code()

    backup_codes = None
    if isinstance(matched, TOTPDevice) and not matched.confirmed:
        # first code from a new secret: it becomes the one device and 2FA is on
        matched.confirmed = True
        matched.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=matched.pk).delete()
        backup_codes = _new_backup_codes(user)
        user.two_factor_enabled = True
    if remember is not None:
        user.remember_next_session = remember
    user.save(update_fields=["two_factor_enabled", "remember_next_session", "updated_at"])
    token = cryptoshop_session_start(user=user, remember=user.remember_next_session)
    return TwoFactorVerified(session_token=token, backup_codes=backup_codes)


def cryptoshop_2fa_verify(*, user: User, code: str, remember: bool | None) -> TwoFactorVerified:
    """Check a TOTP or single-use backup code and open a session.

    The first good code after setup turns 2FA on and hands out 10 backup codes.
    Five wrong codes within 15 minutes lock verify for the rest of the window (429):
    the attempt is counted before the check (atomic incr), so parallel guesses
    cannot slip past the limit; a right code clears the count.
    """
    attempts, until = _take_attempt(user)
    if attempts > VERIFY_MAX_FAILURES:
        _give_back_attempt(user)  # a refused attempt does not stretch the count
        raise AccountError(
            CryptoShopAuthCode.TWO_FACTOR_LOCKED,
            "Too many wrong two-factor codes. Try again later.",
            kind=ErrorKind.TOO_MANY,
            retry_after=max(1, until - int(time.time())),
        )
    try:
        with transaction.atomic(durable=True):
            result = _verify_in_transaction(user=user, code=code, remember=remember)
    except AccountError as exc:
        if exc.code != AccountErrorCode.TWO_FACTOR_CODE_INVALID:
            _give_back_attempt(user)
        raise
    cache.delete_many([_attempts_key(user), f"{_attempts_key(user)}:until"])
    return result


def cryptoshop_logout(*, session: LoginSession | None) -> None:
    """End the session the request came with; a bare access token has none to end."""
    if session is not None:
        session_revoke(session=session)
