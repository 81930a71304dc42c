"""Helpers of tests.fixtures.cryptoshop (not fixtures)."""

import time
from base64 import b32decode

from django_otp.oath import hotp
from rest_framework.test import APIClient


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
