"""Helpers of tests.accounts.conftest (not fixtures)."""

from __future__ import annotations

import re

from django.core import mail
from rest_framework.test import APIClient

from accounts.models import EmailOTP
from accounts.tokens import otp_hash
from tests.conftest import TECHAVEN
from tests.factories.accounts import DEFAULT_PASSWORD

CODE = re.compile(r"\b(\d{6})\b")


PASSWORD = DEFAULT_PASSWORD


class TechavenClient:
    def __init__(self, capture) -> None:
        self.client = APIClient()
        self._capture = capture

    def auth(self, access_token: str | None) -> TechavenClient:
        if access_token:
            self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token}")
        else:
            self.client.credentials()
        return self

    def request(self, method: str, path: str, data=None, *, format="json", **extra):
        with self._capture(execute=True):
            call = getattr(self.client, method)
            if data is None and method in {"get", "delete"}:
                return call(f"{TECHAVEN}/{path}", **extra)
            return call(f"{TECHAVEN}/{path}", data, format=format, **extra)

    def get(self, path, **extra):
        return self.request("get", path, **extra)

    def post(self, path, data=None, **extra):
        return self.request("post", path, data if data is not None else {}, **extra)

    def put(self, path, data=None, **extra):
        return self.request("put", path, data if data is not None else {}, **extra)

    def delete(self, path, data=None, **extra):
        return self.request("delete", path, data, **extra)


def codes_sent_to(email: str) -> list[str]:
    """Every 6-digit code mailed to `email`, oldest first."""
    found = []
    for message in mail.outbox:
        if email in message.to:
            match = CODE.search(message.body)
            if match:
                found.append(match.group(1))
    return found


def last_code(email: str) -> str:
    sent = codes_sent_to(email)
    assert sent, f"no OTP was mailed to {email}"
    return sent[-1]


def set_code(user, purpose: str, code: str = "123456") -> EmailOTP:
    """Give the user's latest OTP of `purpose` a known code (tests that skip the mailbox)."""
    otp = EmailOTP.objects.filter(user=user, purpose=purpose).latest("created_at", "pk")
    otp.code_hash = otp_hash(user.pk, purpose, code)
    otp.save(update_fields=["code_hash"])
    return otp


def assert_error(response, status: int, field: str | None = None) -> dict:
    """A Techaven error: `{success: false, message, errors: {field: [..]}}`."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is False
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], dict)
    if field:
        assert field in body["errors"], body
        assert all(isinstance(m, str) for m in body["errors"][field])
    return body
