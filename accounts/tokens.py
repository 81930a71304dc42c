"""Secrets handed to clients: generated here, stored only as hashes."""

import hashlib
import hmac
import secrets

from django.conf import settings

ACCESS_TOKEN_PREFIX = "cs_"
SESSION_TOKEN_PREFIX = "css_"
RESET_TOKEN_PREFIX = "rst_"


def token_hash(token: str) -> str:
    """SHA-256 of a high-entropy secret: enough for a lookup key, no salt needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_secret(prefix: str, nbytes: int = 32) -> str:
    return f"{prefix}{secrets.token_urlsafe(nbytes)}"


def new_access_token() -> str:
    # the documented shape: cs_<id part>_<secret part>
    return f"{ACCESS_TOKEN_PREFIX}{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}"


def otp_hash(user_id: int, purpose: str, code: str) -> str:
    """Keyed hash of a 6-digit code, so a stolen table cannot be brute-forced offline."""
    message = f"{user_id}:{purpose}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def new_otp_code(length: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(length))
