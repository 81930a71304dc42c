"""The sandbox provider's own side: what a real provider does on its servers.

It keeps its records in `SandboxPayment` (its database, not ours), takes the buyer's decision
on its payment page, pays refunds out, and sends signed callbacks to Duka. Like a real
provider it records first and notifies second: a callback that fails to arrive leaves the
decision recorded, and `SandboxProvider.payment_status` (reconcile's question) answers from it.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from .locks import sandbox_payment_lock
from .models import PaymentAttempt, SandboxPayment
from .providers import SandboxProvider
from .services import CallbackOutcome, payment_callback_handle

logger = logging.getLogger(__name__)


def sandbox_payment_get(reference: str) -> SandboxPayment | None:
    return SandboxPayment.objects.filter(reference=reference).first()


def sandbox_decide(*, reference: str, approve: bool) -> SandboxPayment:
    """The buyer's click on the sandbox page. The first decision is final and is committed
    before the callback is sent; a later click changes nothing and sends the recorded
    decision's callback again (which Duka answers as a replay)."""
    payment = _decision_record(
        reference=reference,
        decision=SandboxPayment.Decision.APPROVED if approve else SandboxPayment.Decision.DECLINED,
    )
    _callback_send(payment)
    return payment


@transaction.atomic(durable=True)
def _decision_record(*, reference: str, decision: SandboxPayment.Decision) -> SandboxPayment:
    payment = sandbox_payment_lock(reference)
    if payment is None:
        raise SandboxPayment.DoesNotExist(reference)
    if not payment.decision:
        payment.decision = decision
        payment.decided_at = timezone.now()
        payment.save(update_fields=["decision", "decided_at"])
    return payment


def sandbox_refund_pay_out(
    *, provider: str, reference: str, amount_minor: int, currency: str
) -> SandboxPayment:
    """A refund request reaching the sandbox: it pays every refund back, once per reference
    (a request sent twice pays once), records it, then sends its callback."""
    payment, _ = SandboxPayment.objects.get_or_create(
        reference=reference,
        defaults={
            "provider": provider,
            "kind": PaymentAttempt.Kind.REFUND,
            "amount_minor": amount_minor,
            "currency": currency,
            "decision": SandboxPayment.Decision.APPROVED,
            "decided_at": timezone.now(),
        },
    )
    _callback_send(payment)
    return payment


def _callback_send(payment: SandboxPayment) -> CallbackOutcome | None:
    """Sign and send the callback of a decided payment. A failure is the merchant's problem,
    as at a real provider: logged, and the decision stays recorded."""
    adapter = SandboxProvider(payment.provider)
    body = adapter.callback_body(
        reference=payment.reference, succeeded=payment.decision == SandboxPayment.Decision.APPROVED
    )
    try:
        return callback_deliver(provider=payment.provider, body=body, signature=adapter.sign(body))
    except Exception:
        logger.warning(
            "sandbox callback for %s not delivered; reconcile will settle it",
            payment.reference,
            exc_info=True,
        )
        return None


def callback_deliver(*, provider: str, body: bytes, signature: str) -> CallbackOutcome:
    """The hop from the sandbox to Duka's callback endpoint. In-process rather than over
    HTTP: the same handler and verification as `POST /pay/callback/<provider>`, without Duka
    calling itself over the network. (Tests break this hop to lose a callback.)"""
    return payment_callback_handle(provider=provider, body=body, signature=signature)
