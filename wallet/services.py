"""Payments and refunds through provider adapters; settled exactly once per reference."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .errors import PaymentError, PaymentErrorCode, unknown_payment
from .models import PaymentAttempt
from .providers import get_provider, provider_key


@dataclass(frozen=True, slots=True)
class CallbackOutcome:
    reference: str
    status: str
    replayed: bool


def payment_initiate(*, order, payment_method=None) -> PaymentAttempt:
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


def refund_start(*, order) -> PaymentAttempt | None:
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
        reference=refund.reference, amount_minor=refund.amount_minor, currency=refund.currency
    )
    return refund


@transaction.atomic(durable=True)
def payment_callback_handle(*, provider: str, body: bytes, signature: str) -> CallbackOutcome:
    """A provider's signed callback. A bad signature changes nothing; a second callback for
    the same reference (a replay) finds the attempt settled and changes nothing."""
    from orders.services.status import order_mark_paid, order_payment_failed, order_refund_settled

    adapter = get_provider(provider)
    if not adapter.verify_callback(body=body, signature=signature):
        raise PaymentError(PaymentErrorCode.BAD_SIGNATURE, "Invalid callback signature")
    try:
        result = adapter.parse_callback(body=body)
    except (ValueError, KeyError, TypeError):
        raise PaymentError(PaymentErrorCode.BAD_CALLBACK, "Malformed callback body") from None
    attempt = PaymentAttempt.objects.select_for_update().filter(reference=result.reference).first()
    if attempt is None or attempt.provider != provider:
        raise unknown_payment()
    if attempt.status != PaymentAttempt.Status.PENDING:
        return CallbackOutcome(attempt.reference, attempt.status, replayed=True)
    attempt.status = (
        PaymentAttempt.Status.SUCCEEDED if result.succeeded else PaymentAttempt.Status.FAILED
    )
    attempt.settled_at = timezone.now()
    attempt.callback_payload = {"body": body.decode(errors="replace")}
    attempt.save(update_fields=["status", "settled_at", "callback_payload"])
    if attempt.order_id is not None:
        if attempt.kind == PaymentAttempt.Kind.REFUND:
            order_refund_settled(order_id=attempt.order_id, succeeded=result.succeeded)
        elif result.succeeded:
            if not order_mark_paid(order_id=attempt.order_id, reference=attempt.reference):
                # paid after the order expired or was cancelled: the money goes straight back
                refund_start(order=attempt.order)
        else:
            order_payment_failed(order_id=attempt.order_id, reference=attempt.reference)
    return CallbackOutcome(attempt.reference, attempt.status, replayed=False)


def sandbox_deliver(*, reference: str, succeeded: bool) -> CallbackOutcome:
    """The sandbox provider's side: sign a callback and deliver it to our callback handler.

    In-process rather than over HTTP: it runs the same verification as
    `POST /pay/sandbox/callback`, without Duka calling itself over the network.
    """
    attempt = PaymentAttempt.objects.filter(reference=reference).first()
    if attempt is None:
        raise unknown_payment()
    adapter = get_provider(attempt.provider)
    body = adapter.callback_body(reference=reference, succeeded=succeeded)
    return payment_callback_handle(
        provider=attempt.provider, body=body, signature=adapter.sign(body)
    )
