"""Payments and refunds through provider adapters; settled exactly once per reference."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from ..errors import PaymentError, PaymentErrorCode, unknown_payment
from ..locks import payment_attempt_lock
from ..models import PaymentAttempt
from ..providers import (
    CallbackResult,
    PaymentProvider,
    PaymentStatus,
    ProviderUnavailable,
    get_provider,
    provider_key,
)

if TYPE_CHECKING:
    from accounts.models import PaymentMethod
    from orders.models import Order

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CallbackOutcome:
    reference: str
    status: str
    replayed: bool


def payment_initiate(
    *, order: Order, payment_method: PaymentMethod | None = None
) -> PaymentAttempt:
    """Open a payment for an order inside its transaction; the order keeps the page URL.

    Wallet payment (a later issue) becomes one more provider key behind the same call.
    """
    key = provider_key(payment_method.provider if payment_method else "sandbox")
    provider = get_provider(key)
    reference = provider.new_reference()
    initiation = provider.initiate(
        reference=reference,
        amount_minor=order.total_minor,
        currency=order.currency,
        phone=payment_method.phone_number if payment_method else "",
    )
    attempt = PaymentAttempt.objects.create(
        reference=initiation.reference,
        provider=key,
        order=order,
        amount_minor=order.total_minor,
        currency=order.currency,
        payer_phone=payment_method.phone_number if payment_method else "",
    )
    order.payment_provider = key
    order.payment_reference = attempt.reference
    order.payment_url = initiation.payment_url
    order.save(update_fields=["payment_provider", "payment_reference", "payment_url", "updated_at"])
    return attempt


def refund_start(*, order: Order) -> PaymentAttempt | None:
    """Give back what the order's provider payment took; the provider settles it later."""
    from orders.models import Order

    payment = (
        PaymentAttempt.objects.filter(
            order=order, kind=PaymentAttempt.Kind.PAYMENT, status=PaymentAttempt.Status.SUCCEEDED
        )
        .order_by("-id")
        .first()
    )
    if payment is None:
        return None  # paid outside a provider (a CryptoShop payment hash): nothing to call
    provider = get_provider(payment.provider)
    refund = PaymentAttempt.objects.create(
        reference=provider.new_reference(),
        kind=PaymentAttempt.Kind.REFUND,
        provider=payment.provider,
        order=order,
        refund_of=payment,
        amount_minor=payment.amount_minor,
        currency=payment.currency,
        payer_phone=payment.payer_phone,
    )
    order.refund_status = Order.RefundStatus.PROCESSING
    order.save(update_fields=["refund_status", "updated_at"])
    provider.refund(
        reference=refund.reference,
        amount_minor=refund.amount_minor,
        currency=refund.currency,
        phone=refund.payer_phone,
    )
    return refund


def payment_callback_handle(*, provider: str, body: bytes, signature: str) -> CallbackOutcome:
    """A provider's signed callback. A bad signature changes nothing; a second callback for
    the same reference (a replay) finds the attempt settled and changes nothing.

    Only the settling is a (durable) transaction. A provider whose callbacks are hints
    (`confirms_callbacks`) is first asked for the outcome, outside any transaction, and the
    attempt is settled as that answer says, never as the callback claims (see
    `_callback_confirm`)."""
    adapter = get_provider(provider)
    if not adapter.verify_callback(body=body, signature=signature):
        raise PaymentError(PaymentErrorCode.BAD_SIGNATURE, "Invalid callback signature")
    try:
        result = adapter.parse_callback(body=body)
    except (ValueError, KeyError, TypeError):
        raise PaymentError(PaymentErrorCode.BAD_CALLBACK, "Malformed callback body") from None
    payload = {"body": body.decode(errors="replace")}
    if adapter.confirms_callbacks:
        return _callback_confirm(adapter=adapter, provider=provider, claim=result, payload=payload)
    with transaction.atomic(durable=True):
        return payment_settle(
            provider=provider,
            reference=result.reference,
            succeeded=result.succeeded,
            settled_by=PaymentAttempt.SettledBy.CALLBACK,
            payload=payload,
        )


def _callback_confirm(
    *,
    adapter: PaymentProvider,
    provider: str,
    claim: CallbackResult,
    payload: dict[str, Any],
) -> CallbackOutcome:
    """Settle a hinted callback as the provider's status API answers: succeeded or failed
    settles so (whatever the callback claimed); pending or unknown settles nothing (reconcile
    asks again later); a provider that cannot be asked raises `ProviderUnavailable` and
    nothing changes, so the sender retries. The question is asked holding no lock and no
    transaction. An already settled attempt is a replay and is not asked about again."""
    attempt = PaymentAttempt.objects.filter(reference=claim.reference).first()
    # One webhook address can serve every key the same adapter class serves (PayChangu sends
    # all of an account's webhooks to the one URL set on its dashboard): the attempt's own key
    # settles it.
    if attempt is None or type(get_provider(attempt.provider)) is not type(adapter):
        raise unknown_payment()
    if attempt.status != PaymentAttempt.Status.PENDING:
        return CallbackOutcome(attempt.reference, attempt.status, replayed=True)
    label = f"{attempt.kind} {attempt.reference}"
    claimed = "succeeded" if claim.succeeded else "failed"
    try:
        status = adapter.payment_status(reference=attempt.reference)
    except Exception as exc:
        logger.warning(
            "callback via %s says %s %s, but it could not be confirmed: nothing settled",
            provider,
            label,
            claimed,
            exc_info=True,
        )
        raise ProviderUnavailable(f"{provider} could not confirm {attempt.reference}") from exc
    if status not in (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED):
        logger.warning(
            "callback via %s says %s %s, but %s answers %s: nothing settled; reconcile asks again",
            provider,
            label,
            claimed,
            attempt.provider,
            status,
        )
        return CallbackOutcome(attempt.reference, attempt.status, replayed=False)
    if (status == PaymentStatus.SUCCEEDED) != claim.succeeded:
        logger.warning(
            "callback via %s says %s %s, but %s answers %s: settled as %s answers",
            provider,
            label,
            claimed,
            attempt.provider,
            status,
            attempt.provider,
        )
    with transaction.atomic(durable=True):
        return payment_settle(
            provider=attempt.provider,
            reference=attempt.reference,
            succeeded=status == PaymentStatus.SUCCEEDED,
            settled_by=PaymentAttempt.SettledBy.CALLBACK,
            payload={**payload, "status_query": str(status)},
        )


@transaction.atomic
def payment_settle(
    *,
    provider: str,
    reference: str,
    succeeded: bool,
    settled_by: PaymentAttempt.SettledBy,
    payload: dict[str, Any] | None = None,
) -> CallbackOutcome:
    """The one way a payment or refund leaves pending, whoever learnt the outcome (the
    provider's callback, or reconcile asking its status API). The attempt's row lock makes
    it exactly once: whoever comes second finds it settled and changes nothing (a replay).

    A payment moves its order to paid, or cancels it when it failed; a payment for an order
    that no longer awaits it (expired, cancelled) is refunded. A refund settles the order's
    refund status.
    """
    from orders.services.status import order_mark_paid, order_payment_failed, order_refund_settled

    attempt = payment_attempt_lock(reference)
    if attempt is None or attempt.provider != provider:
        raise unknown_payment()
    if attempt.status != PaymentAttempt.Status.PENDING:
        return CallbackOutcome(attempt.reference, attempt.status, replayed=True)
    attempt.status = PaymentAttempt.Status.SUCCEEDED if succeeded else PaymentAttempt.Status.FAILED
    attempt.settled_at = timezone.now()
    attempt.settled_by = settled_by
    attempt.callback_payload = payload
    attempt.save(update_fields=["status", "settled_at", "settled_by", "callback_payload"])
    if attempt.order_id is not None:
        if attempt.kind == PaymentAttempt.Kind.REFUND:
            order_refund_settled(order_id=attempt.order_id, succeeded=succeeded)
        elif succeeded:
            if not order_mark_paid(order_id=attempt.order_id, reference=attempt.reference):
                # paid after the order expired or was cancelled: the money goes straight back
                refund_start(order=attempt.order)
        else:
            order_payment_failed(order_id=attempt.order_id, reference=attempt.reference)
    return CallbackOutcome(attempt.reference, attempt.status, replayed=False)
