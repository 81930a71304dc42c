"""CryptoShop anonymous accounts: access token, TOTP 2FA and backup codes (BRIEF decision 4)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from base64 import b32encode
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.errors import AccountError, AccountErrorCode
from accounts.hooks import sessions_ended
from accounts.models import LoginSession, User
from accounts.services.sessions import cryptoshop_session_start, session_revoke
from accounts.tokens import new_access_token, token_hash
from core.errors import ErrorKind
from core.storefront import Storefront

TOTP_DEVICE_NAME = "CryptoShop"
BACKUP_DEVICE_NAME = "CryptoShop backup codes"
BACKUP_CODE_COUNT = 10
# Wrong second factors allowed per user in a window before verify answers 429.
VERIFY_MAX_FAILURES = 5
VERIFY_FAILURE_WINDOW = 15 * 60
# the request field that carries the current factor when 2FA is re-keyed
CURRENT_CODE_FIELD = "currentCode"

T = TypeVar("T")


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


def cryptoshop_2fa_setup(*, user: User, current_code: str | None = None) -> TwoFactorSetup:
    """Make a new TOTP secret; it only counts once a code from it is verified.

    Setting up again replaces a device that was never confirmed. Once 2FA is on,
    changing it wants a current factor as well as the session (the gate): a TOTP
    code of the confirmed device or a backup code in `current_code` (400
    TWO_FACTOR_CODE_INVALID on `currentCode` without one; a wrong one counts towards
    the verify lock). While pending, the new secret is no second factor: the
    confirmed device and the backup codes alone open sessions until a code from the
    new secret is verified with a session token, which then replaces them.
    """
    if not user.two_factor_enabled:
        with transaction.atomic(durable=True):
            return _setup_in_transaction(user=user, current_code=None)
    if not (current_code or "").strip():
        raise _current_code_missing()
    return _counted_attempt(
        user, lambda: _setup_in_transaction(user=user, current_code=current_code)
    )


def _setup_in_transaction(*, user: User, current_code: str | None) -> TwoFactorSetup:
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.two_factor_enabled:
        if not (current_code or "").strip():  # 2FA was turned on since the caller looked
            raise _current_code_missing()
        confirmed = list(TOTPDevice.objects.filter(user=user, confirmed=True))
        if _match_second_factor(user=user, code=current_code, totp_devices=confirmed) is None:
            raise _invalid_code(field=CURRENT_CODE_FIELD)
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return TwoFactorSetup(
        secret=secret, qr_code_url=_qr_code_url(username=user.username, secret=secret)
    )


def _current_code_missing() -> AccountError:
    return AccountError(
        AccountErrorCode.TWO_FACTOR_CODE_INVALID,
        "Two-factor authentication is on: send a current code (currentCode) to change it",
        field=CURRENT_CODE_FIELD,
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


def _invalid_code(field: str = "token") -> AccountError:
    return AccountError(
        AccountErrorCode.TWO_FACTOR_CODE_INVALID,
        "Invalid two-factor code",
        field=field,
    )


def _match_second_factor(
    *, user: User, code: str, totp_devices: list[TOTPDevice]
) -> TOTPDevice | StaticDevice | None:
    """The device `code` belongs to (its step or backup code is spent), or None.

    A 6-digit code is tried against `totp_devices`; anything else is a backup code,
    which only exists while 2FA is on. Runs under the user's row lock.
    """
    code = code.strip().replace(" ", "")
    if code.isdigit() and len(code) == 6:
        for device in totp_devices:
            if _no_backoff(device).verify_token(code):
                return device
    elif user.two_factor_enabled:
        backup = StaticDevice.objects.filter(user=user, confirmed=True).first()
        if backup is not None and _no_backoff(backup).verify_token(backup_code_digest(code)):
            return backup
    return None


def _verify_in_transaction(
    *, user: User, code: str, remember: bool | None, session: LoginSession | None
) -> TwoFactorVerified:
    # one verify per user at a time: django-otp's replay guard (last_t) is read-then-write,
    # so two concurrent requests could otherwise both spend the same TOTP code
    user = User.objects.select_for_update().get(pk=user.pk)
    devices = list(TOTPDevice.objects.filter(user=user).order_by("-confirmed", "pk"))
    confirmed = [d for d in devices if d.confirmed] if user.two_factor_enabled else []
    pending = [d for d in devices if not d.confirmed]
    if user.two_factor_enabled and session is None:
        # a secret nobody has confirmed is no second factor: with 2FA on, only a request
        # already past the second factor (a session token) may confirm a re-key
        pending = []
    if not confirmed and not pending:
        raise AccountError(
            AccountErrorCode.TWO_FACTOR_NOT_SET_UP,
            "Two-factor authentication is not set up",
        )

    matched = _match_second_factor(user=user, code=code, totp_devices=confirmed + pending)
    if matched is None:
        raise _invalid_code()

    backup_codes = None
    if isinstance(matched, TOTPDevice) and not matched.confirmed:
        # first code from a new secret: it becomes the one device and 2FA is on
        matched.confirmed = True
        matched.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=matched.pk).delete()
        backup_codes = _new_backup_codes(user)
        if not user.two_factor_enabled:
            # the bare access token stops opening the storefront, its sockets included
            sessions_ended(user_id=user.pk)
        user.two_factor_enabled = True
    if remember is not None:
        user.remember_next_session = remember
    user.save(update_fields=["two_factor_enabled", "remember_next_session", "updated_at"])
    token = cryptoshop_session_start(user=user, remember=user.remember_next_session)
    return TwoFactorVerified(session_token=token, backup_codes=backup_codes)


def _counted_attempt(user: User, check: Callable[[], T]) -> T:
    """Run a second-factor check inside the per-user limit.

    Five wrong codes within 15 minutes lock every check (verify, and a re-key's
    current code) for the rest of the window (429): the attempt is counted before
    the check (atomic incr), so parallel guesses cannot slip past the limit; a right
    code clears the count, and an answer that is not about the code gives it back.
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
            result = check()
    except AccountError as exc:
        if exc.code != AccountErrorCode.TWO_FACTOR_CODE_INVALID:
            _give_back_attempt(user)
        raise
    cache.delete_many([_attempts_key(user), f"{_attempts_key(user)}:until"])
    return result


def cryptoshop_2fa_verify(
    *, user: User, code: str, remember: bool | None, session: LoginSession | None = None
) -> TwoFactorVerified:
    """Check a TOTP or single-use backup code and open a session.

    The first good code after setup turns 2FA on and hands out 10 backup codes.
    Once 2FA is on, a pending (re-keyed, unconfirmed) secret is accepted only from a
    request that came with a session token (`session`): the bare access token gets
    the confirmed device and the backup codes, nothing else. Wrong codes count
    towards the per-user lock (`_counted_attempt`).
    """
    return _counted_attempt(
        user,
        lambda: _verify_in_transaction(user=user, code=code, remember=remember, session=session),
    )


def cryptoshop_logout(*, session: LoginSession | None) -> None:
    """End the session the request came with; a bare access token has none to end."""
    if session is not None:
        session_revoke(session=session)
