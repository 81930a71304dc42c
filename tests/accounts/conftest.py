"""Fixtures for the Techaven account tests.

`th` is a JSON client for `/techaven/api` that runs on-commit callbacks (the OTP
e-mail task is scheduled with `transaction.on_commit`), so that `mail.outbox`
holds what a real run would have sent."""

from __future__ import annotations

import pytest

from accounts.services.sessions import techaven_session_start
from tests.factories.accounts import TechavenUserFactory
from tests.helpers.techaven import (
    TechavenClient,
)


@pytest.fixture
def th(django_capture_on_commit_callbacks):
    return TechavenClient(django_capture_on_commit_callbacks)


@pytest.fixture
def make_client(django_capture_on_commit_callbacks):
    def make(access_token: str | None = None) -> TechavenClient:
        return TechavenClient(django_capture_on_commit_callbacks).auth(access_token)

    return make


@pytest.fixture
def user(db):
    return TechavenUserFactory(email="chikondi@example.mw", full_name="Chikondi Banda")


@pytest.fixture
def tokens(user):
    return techaven_session_start(user=user)


@pytest.fixture
def signed_in(make_client, tokens):
    return make_client(tokens.access_token)
