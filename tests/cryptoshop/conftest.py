"""Fixtures for CryptoShop tests: accounts, TOTP codes, signed-in clients.

`totp_code(secret, offset)` and `cs_two_factor` are useful to anyone testing a CryptoShop
endpoint behind the 2FA gate.
"""

import time
from base64 import b32decode

import pytest
from django_otp.oath import hotp
from rest_framework.test import APIClient

from accounts.services.cryptoshop_auth import (
    cryptoshop_2fa_setup,
    cryptoshop_2fa_verify,
    cryptoshop_user_register,
)


def totp_code(secret: str, offset: int = 0) -> str:
    """The code an authenticator app shows for `secret`, `offset` 30-second steps from now.

    django-otp accepts one step either side, and never a step it already accepted,
    so a second code in the same test uses offset=1.
    """
    padded = secret + "=" * (-len(secret) % 8)
    step = int(time.time()) // 30 + offset
    return str(hotp(b32decode(padded), step, digits=6)).zfill(6)


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def cs_account(db):
    """A fresh CryptoShop account (`.user`, `.access_token`)."""
    return cryptoshop_user_register()


@pytest.fixture
def cs_two_factor(cs_account):
    """An account with 2FA turned on: returns a dict with the account, the TOTP secret,
    a session token and the 10 backup codes."""
    setup = cryptoshop_2fa_setup(user=cs_account.user)
    result = cryptoshop_2fa_verify(
        user=cs_account.user, code=totp_code(setup.secret), remember=False
    )
    cs_account.user.refresh_from_db()
    return {
        "account": cs_account,
        "user": cs_account.user,
        "access_token": cs_account.access_token,
        "secret": setup.secret,
        "session_token": result.session_token,
        "backup_codes": result.backup_codes,
    }
