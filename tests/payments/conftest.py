"""Fixtures of the payment tests: the orders tests' buyer and placed order, the sandbox page and
callbacks, and the faults that lose a callback or a refund task."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.orders.conftest import (  # noqa: F401 (the orders tests' fixtures, reused)
    TECHAVEN,
    add_to_cart,
    address,
    buyer,
    checkout,
    page_path,
    pay_method,
    placed,
    product,
    shop,
    th,
)
from wallet import sandbox
from wallet.models import PaymentAttempt
from wallet.providers import SIGNATURE_HEADER, SandboxProvider
from wallet.tasks import payments_reconcile, sandbox_refund_settle

__all__ = ["TECHAVEN"]


def click(order_data, decision: str):
    """The buyer's click on the sandbox page (a plain browser form POST)."""
    return Client().post(page_path(order_data), {"decision": decision})


def signed_callback(reference: str, *, succeeded: bool, provider: str = "airtel_money"):
    """What the provider's server sends to `POST /pay/callback/<provider>`."""
    adapter = SandboxProvider(provider)
    body = adapter.callback_body(reference=reference, succeeded=succeeded)
    return Client().post(
        f"/pay/callback/{provider}",
        body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: adapter.sign(body)},
    )


def lost_on_the_way(**kwargs):
    """Stands in for `wallet.sandbox.callback_deliver`: the network drops the callback."""
    raise ConnectionError("callback lost on the way")


@pytest.fixture
def callbacks_lost(monkeypatch):
    """The network between the sandbox and Duka drops every callback."""
    monkeypatch.setattr(sandbox, "callback_deliver", lost_on_the_way)


@pytest.fixture
def broker_down(monkeypatch):
    """Celery's broker refuses tasks: the refund request to the sandbox never leaves."""

    def down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(sandbox_refund_settle, "delay", down)
    return monkeypatch


def past_grace(**filters) -> None:
    """Time passes: the attempts are older than the reconcile grace period (5 minutes)."""
    PaymentAttempt.objects.filter(**filters).update(
        created_at=timezone.now() - timedelta(minutes=6)
    )


def reconcile() -> dict[str, int]:
    """What beat runs every few minutes (eager in tests)."""
    return payments_reconcile.delay().get()
