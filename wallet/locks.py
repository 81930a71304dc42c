"""The only place wallet rows are locked (FOR UPDATE)."""

from __future__ import annotations

from .models import PaymentAttempt, SandboxPayment


def payment_attempt_lock(reference: str) -> PaymentAttempt | None:
    """The attempt behind `reference`, locked until commit: whoever holds it settles it."""
    return PaymentAttempt.objects.select_for_update().filter(reference=reference).first()


def sandbox_payment_lock(reference: str) -> SandboxPayment | None:
    return SandboxPayment.objects.select_for_update().filter(reference=reference).first()


# --- the sandbox chain ---------------------------------------------------------------------

from .models import SandboxChainTip  # noqa: E402 (with its section, so it merges as one piece)


def sandbox_chain_tip_lock() -> SandboxChainTip:
    """The sandbox chain's tip row, created at height 0 on first use, locked until commit:
    one miner at a time."""
    SandboxChainTip.objects.get_or_create(pk=SandboxChainTip.SINGLETON)
    return SandboxChainTip.objects.select_for_update().get(pk=SandboxChainTip.SINGLETON)
