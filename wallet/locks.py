"""The only place wallet rows are locked (FOR UPDATE)."""

from __future__ import annotations

from .models import PaymentAttempt, SandboxPayment


def payment_attempt_lock(reference: str) -> PaymentAttempt | None:
    """The attempt behind `reference`, locked until commit: whoever holds it settles it."""
    return PaymentAttempt.objects.select_for_update().filter(reference=reference).first()


def sandbox_payment_lock(reference: str) -> SandboxPayment | None:
    return SandboxPayment.objects.select_for_update().filter(reference=reference).first()
