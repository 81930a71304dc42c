"""Payment providers are adapters behind one interface (BRIEF decision 8).

Airtel Money and TNM Mpamba map to the sandbox adapter by default: their real APIs are not
reachable from here. A real adapter implements `PaymentProvider` and is named in the
`PAYMENT_PROVIDERS` setting ({key: "dotted.path.Class"}), as PayChangu's is
(`wallet.paychangu.PayChanguProvider`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from .chain import get_btc_backend
from .conf import payments_sandbox_enabled
from .models import PaymentAttempt, SandboxPayment

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Sandbox-Signature"


@dataclass(frozen=True, slots=True)
class Initiation:
    reference: str
    payment_url: str


@dataclass(frozen=True, slots=True)
class CallbackResult:
    reference: str
    succeeded: bool


class PaymentStatus(StrEnum):
    """What a provider's status-query API says about a reference."""

    PENDING = "pending"  # known, not decided yet (the buyer has not answered; in processing)
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"  # the provider has no record of it (the request never reached it)


class ProviderUnavailable(Exception):
    """The provider could not be reached, or refused or garbled its answer. Nothing is known
    about the money from it: callers retry later (reconcile) or tell the sender to retry."""


class PaymentProvider(Protocol):
    key: str
    # the request header that carries the callback's signature
    signature_header: str
    # True when a callback is only a hint: its outcome is asked of the provider's status API
    # (`payment_status`) before anything is settled, and settled as that answer says
    confirms_callbacks: bool

    def new_reference(self) -> str: ...

    def initiate(
        self, *, reference: str, amount_minor: int, currency: str, phone: str
    ) -> Initiation:
        """Open a payment; the buyer completes it at `payment_url`."""

    def verify_callback(self, *, body: bytes, signature: str) -> bool:
        """True when the callback body was really signed by the provider."""

    def parse_callback(self, *, body: bytes) -> CallbackResult: ...

    def refund(self, *, reference: str, amount_minor: int, currency: str, phone: str = "") -> None:
        """Ask for the money back (to the payer's `phone` where the provider pays refunds out
        to a wallet); the outcome arrives later as a callback for `reference`.

        Idempotent per reference (as the providers' APIs are per transaction id): asking
        again for a refund the provider already has changes nothing there."""

    def payment_status(self, *, reference: str) -> PaymentStatus:
        """The provider's own answer (its status-query API) for a payment or refund reference,
        used when its callback did not arrive. Raises when the provider cannot be asked."""


class SandboxProvider:
    """A provider that lives inside Duka: its payment page is served at
    `/pay/sandbox/<reference>` and its callbacks are HMAC-SHA256 signed."""

    key = "sandbox"
    signature_header = SIGNATURE_HEADER
    confirms_callbacks = False  # the sandbox's callback is its own record's word

    def __init__(self, key: str = "sandbox") -> None:
        self.key = key

    @staticmethod
    def secret() -> bytes:
        configured = getattr(settings, "PAYMENT_SANDBOX_SECRET", "")
        if configured:
            return configured.encode()
        # derived, never stored in the repo: a different deployment secret gives another key
        return hmac.new(settings.SECRET_KEY.encode(), b"duka.sandbox-payments", "sha256").digest()

    def new_reference(self) -> str:
        return f"sbx_{secrets.token_hex(12)}"

    def initiate(
        self, *, reference: str, amount_minor: int, currency: str, phone: str
    ) -> Initiation:
        SandboxPayment.objects.create(
            reference=reference,
            provider=self.key,
            kind=PaymentAttempt.Kind.PAYMENT,
            amount_minor=amount_minor,
            currency=currency,
        )
        return Initiation(reference, f"{settings.PUBLIC_BASE_URL}/pay/sandbox/{reference}")

    def sign(self, body: bytes) -> str:
        return "sha256=" + hmac.new(self.secret(), body, hashlib.sha256).hexdigest()

    def verify_callback(self, *, body: bytes, signature: str) -> bool:
        return bool(signature) and hmac.compare_digest(self.sign(body), signature)

    def callback_body(self, *, reference: str, succeeded: bool) -> bytes:
        payload: dict[str, Any] = {
            "reference": reference,
            "status": "succeeded" if succeeded else "failed",
            "event_id": secrets.token_hex(8),
        }
        return json.dumps(payload, separators=(",", ":")).encode()

    def parse_callback(self, *, body: bytes) -> CallbackResult:
        data = json.loads(body)
        return CallbackResult(str(data["reference"]), data.get("status") == "succeeded")

    def refund(self, *, reference: str, amount_minor: int, currency: str, phone: str = "") -> None:
        # The sandbox pays back to no wallet (`phone` is not needed). The request reaches the
        # sandbox through a Celery task after commit; the sandbox pays every refund back and
        # sends its signed callback. A lost task is a refund request that never arrived:
        # payment_status answers UNKNOWN and reconcile asks again.
        transaction.on_commit(
            lambda: self._send_refund_request(
                reference=reference, amount_minor=amount_minor, currency=currency
            )
        )

    def _send_refund_request(self, *, reference: str, amount_minor: int, currency: str) -> None:
        from wallet.tasks import sandbox_refund_settle

        try:
            sandbox_refund_settle.delay(self.key, reference, amount_minor, currency)
        except Exception:  # broker down: the committed refund stays pending for reconcile
            logger.warning(
                "sandbox refund %s not sent; reconcile will retry it", reference, exc_info=True
            )

    def payment_status(self, *, reference: str) -> PaymentStatus:
        decision = (
            SandboxPayment.objects.filter(reference=reference, provider=self.key)
            .values_list("decision", flat=True)
            .first()
        )
        if decision is None:
            return PaymentStatus.UNKNOWN
        return {
            SandboxPayment.Decision.APPROVED: PaymentStatus.SUCCEEDED,
            SandboxPayment.Decision.DECLINED: PaymentStatus.FAILED,
        }.get(decision, PaymentStatus.PENDING)


DEFAULT_PROVIDERS = {
    "sandbox": "wallet.providers.SandboxProvider",
    "airtel_money": "wallet.providers.SandboxProvider",
    "tnm_mpamba": "wallet.providers.SandboxProvider",
}


# how people call the providers (descriptions, the sandbox page)
PROVIDER_NAMES = {"airtel_money": "Airtel Money", "tnm_mpamba": "TNM Mpamba", "sandbox": "Sandbox"}


def provider_key(name: str) -> str:
    """'Airtel Money' → 'airtel_money'; unknown names are served by the sandbox."""
    key = "_".join(name.lower().replace("-", " ").split())
    return key if key in _registry() else "sandbox"


def _registry() -> dict[str, str]:
    return {**DEFAULT_PROVIDERS, **getattr(settings, "PAYMENT_PROVIDERS", {})}


def get_provider(key: str) -> PaymentProvider:
    """The adapter serving `key`; every adapter class takes the key it serves as it.

    The sandbox approves whatever a visitor clicks: where it is not allowed
    (`PAYMENTS_SANDBOX`, on by default only with DEBUG) it serves nothing and this raises
    `ProviderUnavailable` (settings refuse to start such a deployment in the first place)."""
    cls = import_string(_registry().get(key, DEFAULT_PROVIDERS["sandbox"]))
    if issubclass(cls, SandboxProvider) and not payments_sandbox_enabled():
        raise ProviderUnavailable(f"{key} is served by the sandbox, which is switched off")
    return cls(key)


def provider_available(key: str) -> bool:
    """False for a key the switched-off sandbox would serve (its pages and callbacks 404)."""
    cls = import_string(_registry().get(key, DEFAULT_PROVIDERS["sandbox"]))
    return payments_sandbox_enabled() or not issubclass(cls, SandboxProvider)


def providers_live() -> dict[str, str]:
    """What serves each payment provider key and the BTC chain right now (`/readyz`, the
    admin): `sandbox` or the real adapter's class."""
    live = {}
    for key in ("airtel_money", "tnm_mpamba"):
        path = _registry().get(key, DEFAULT_PROVIDERS["sandbox"])
        live[key] = "sandbox" if path.endswith(".SandboxProvider") else path.rsplit(".", 1)[-1]
    try:
        live["btc_chain"] = get_btc_backend().key
    except Exception:  # noqa: BLE001 - a misconfigured backend is what this reports
        live["btc_chain"] = "misconfigured"
    if not payments_sandbox_enabled():
        live = {k: ("off" if v == "sandbox" else v) for k, v in live.items()}
    return live
