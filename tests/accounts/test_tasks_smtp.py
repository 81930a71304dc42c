"""The OTP travels through a real SMTP server; and a whole sign-up as a client would do it."""

from __future__ import annotations

import email
import re
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from django.core import mail

from tests.helpers.techaven import assert_error

pytestmark = pytest.mark.django_db


class Inbox:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []
        self.received = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        self.received.set()
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_inbox(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield inbox
    controller.stop()


def test_the_signup_otp_arrives_through_a_real_smtp_server_and_verifies(th, smtp_inbox):
    response = th.post(
        "auth/register",
        {"full_name": "Thoko Mwale", "email": "thoko@example.mw", "password": "secret123"},
    )
    assert response.status_code == 200
    assert smtp_inbox.received.wait(5), "no message reached the SMTP server"
    assert mail.outbox == []  # it really went over SMTP, not to the test outbox
    message = smtp_inbox.messages[-1]
    assert message["To"] == "thoko@example.mw"
    assert message["Subject"] == "Verify your Techaven account"
    body = message.get_payload(decode=True).decode()
    code = re.search(r"\b(\d{6})\b", body).group(1)
    verified = th.post(
        "auth/verify-otp", {"email": "thoko@example.mw", "otp": code, "type": "signup"}
    )
    assert verified.status_code == 200
    assert verified.json()["data"]["user"]["email"] == "thoko@example.mw"


def test_register_verify_profile_logout_end_to_end(th, make_client):
    registered = th.post(
        "auth/register",
        {"full_name": "Thoko Mwale", "email": "Thoko@Example.mw", "password": "secret123"},
    )
    assert registered.status_code == 200
    assert registered.json()["data"]["email"] == "thoko@example.mw"
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    verified = th.post(
        "auth/verify-otp", {"email": "thoko@example.mw", "otp": code, "type": "signup"}
    )
    session = verified.json()["data"]
    me = make_client(session["access_token"])

    profile = me.get("user/profile").json()["data"]
    assert profile["email"] == "thoko@example.mw" and profile["full_name"] == "Thoko Mwale"
    updated = me.put("user/profile", {"phone": "0991234567", "gender": "female"})
    assert updated.json()["data"]["phone"] == "+265991234567"
    assert (
        me.post(
            "addresses",
            {
                "full_name": "Thoko Mwale",
                "phone": "0991234567",
                "address_line_1": "Plot 9",
                "city": "Mzuzu",
            },
        ).status_code
        == 201
    )
    assert (
        me.post(
            "payment-methods",
            {"type": "mobile_money", "provider": "Airtel Money", "phone_number": "0991234567"},
        ).status_code
        == 201
    )

    assert me.post("auth/logout").status_code == 200
    assert_error(me.get("user/profile"), 401)
    assert_error(th.post("auth/refresh-token", {"refresh_token": session["refresh_token"]}), 401)

    # signing in again: password, then the login OTP
    login = th.post("auth/login", {"email": "thoko@example.mw", "password": "secret123"})
    assert login.status_code == 200
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    again = th.post("auth/verify-otp", {"email": "thoko@example.mw", "otp": code, "type": "login"})
    assert again.status_code == 200
    assert make_client(again.json()["data"]["access_token"]).get("user/profile").status_code == 200
