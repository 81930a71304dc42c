"""Helpers of tests.fixtures.payments (not fixtures)."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from tests.helpers.orders import page_path
from wallet.models import PaymentAttempt
from wallet.providers import SIGNATURE_HEADER, SandboxProvider
from wallet.tasks import payments_reconcile


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


def past_grace(**filters) -> None:
    """Time passes: the attempts are older than the reconcile grace period (5 minutes)."""
    PaymentAttempt.objects.filter(**filters).update(
        created_at=timezone.now() - timedelta(minutes=6)
    )


def reconcile() -> dict[str, int]:
    """What beat runs every few minutes (eager in tests)."""
    return payments_reconcile.delay().get()
