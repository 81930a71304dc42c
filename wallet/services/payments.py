"""Payments, top-ups and refunds through provider adapters; settled exactly once per reference.

A provider is an outside service: it is called with no transaction open and no lock held.
An attempt is recorded first (its own short transaction), the provider is asked to open the
payment, then the page it returns is saved. A callback that arrives in between finds the
attempt already there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..errors import PaymentError, PaymentErrorCode, provider_unavailable, unknown_payment
from ..events import amount_text, wallet_moved
from ..locks import payment_attempt_lock
from ..models import Account, LedgerTransaction, PaymentAttempt
from ..outcomes import order_outcomes
from ..providers import (
    PROVIDER_NAMES,
    CallbackResult,
    PaymentProvider,
    PaymentStatus,
    ProviderUnavailable,
    get_provider,
    provider_key,
)
from .ledger import ledger_post, system_account, transfer

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CallbackOutcome:
    reference: str
    status: str
    replayed: bool


def payment_open(
    *, order_id: int, amount_minor: int, currency: str, provider_name: str, phone: str = ""
) -> PaymentAttempt:
    """Open the provider payment of an order that has committed (never inside its
    transaction: the provider may be slow). When the provider cannot open it, the attempt
    fails like a declined payment (the order is cancelled, its stock comes back) and
    `PROVIDER_UNAVAILABLE` is raised."""
    return attempt_open(
        kind=PaymentAttempt.Kind.PAYMENT,
        key=provider_key(provider_name),
        order_id=order_id,
        amount_minor=amount_minor,
        currency=currency,
        phone=phone,
    )


def attempt_open(
    *,
    kind: PaymentAttempt.Kind,
    key: str,
    amount_minor: int,
    currency: str,
    phone: str,
    order_id: int | None = None,
    account: Account | None = None,
) -> PaymentAttempt:
    try:
        provider = get_provider(key)
    except ProviderUnavailable:
        logger.error("no provider serves %s: %s not opened", key, kind)
        if order_id is not None:
            with transaction.atomic(durable=True):
                order_outcomes().payment_failed(order_id=order_id, reference="")
        raise provider_unavailable() from None
    with transaction.atomic(durable=True):
        attempt = PaymentAttempt.objects.create(
            reference=provider.new_reference(),
            kind=kind,
            provider=key,
            order_id=order_id,
            account=account,
            amount_minor=amount_minor,
            currency=currency,
            payer_phone=phone,
        )
    try:
        initiation = provider.initiate(
            reference=attempt.reference, amount_minor=amount_minor, currency=currency, phone=phone
        )
    except Exception:
        logger.warning("%s could not open %s %s", key, kind, attempt.reference, exc_info=True)
        with transaction.atomic(durable=True):
            payment_settle(
                provider=key,
                reference=attempt.reference,
                succeeded=False,
                settled_by=PaymentAttempt.SettledBy.CALLBACK,
                payload={"error": "the provider could not open the payment"},
            )
        raise provider_unavailable() from None
    PaymentAttempt.objects.filter(pk=attempt.pk).update(payment_url=initiation.payment_url)
    attempt.payment_url = initiation.payment_url
    return attempt


def refund_start(*, order_id: int) -> PaymentAttempt | None:
    """Give back what the order's provider payment took, inside the caller's transaction;
    the request reaches the provider after commit and it settles later. None when nothing
    was paid through a provider for this order."""
    payment = (
        PaymentAttempt.objects.filter(
            order_id=order_id,
            kind=PaymentAttempt.Kind.PAYMENT,
            status=PaymentAttempt.Status.SUCCEEDED,
        )
        .order_by("-id")
        .first()
    )
    if payment is None:
        return None
    return _refund_of(payment)


def refund_again(*, order_id: int) -> PaymentAttempt | None:
    """Send again the order's last refund, which its provider failed: a new refund attempt
    of the same payment, inside the caller's transaction (the request leaves after commit).
    None when the order's last refund did not fail (nothing to send again)."""
    last = (
        PaymentAttempt.objects.filter(order_id=order_id, kind=PaymentAttempt.Kind.REFUND)
        .select_related("refund_of")
        .order_by("-id")
        .first()
    )
    if last is None or last.status != PaymentAttempt.Status.FAILED or last.refund_of is None:
        return None
    return _refund_of(last.refund_of)


def _refund_of(payment: PaymentAttempt) -> PaymentAttempt:
    provider = get_provider(payment.provider)
    refund = PaymentAttempt.objects.create(
        reference=provider.new_reference(),
        kind=PaymentAttempt.Kind.REFUND,
        provider=payment.provider,
        order_id=payment.order_id,
        account=payment.account,
        refund_of=payment,
        amount_minor=payment.amount_minor,
        currency=payment.currency,
        payer_phone=payment.payer_phone,
    )
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
    # settled already: a replay, unless it says paid for an attempt settled as failed
    # (PayChangu's page lets a buyer try again after a failed try): then ask too
    late = attempt.status != PaymentAttempt.Status.PENDING
    if late and not (claim.succeeded and _failed_and_not_refunded(attempt)):
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
    if late:
        if status == PaymentStatus.SUCCEEDED:
            return payment_paid_after_failing(reference=attempt.reference)
        return CallbackOutcome(attempt.reference, attempt.status, replayed=True)
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
    """The one way a payment, top-up or refund leaves pending, whoever learnt the outcome
    (the provider's callback, reconcile asking its status API, top-up expiry). The attempt's
    row lock makes it exactly once: whoever comes second finds it settled and changes
    nothing (a replay).

    An order payment moves its order to paid (through the orders domain's handler), or
    cancels it when it failed; a payment for an order that no longer awaits it is refunded.
    A top-up credits the wallet on the ledger (`topup:<reference>`). A refund settles the
    order's refund status. Money that arrives for a top-up that had expired goes back.
    """
    attempt = payment_attempt_lock(reference)
    if attempt is None or attempt.provider != provider:
        raise unknown_payment()
    if attempt.status != PaymentAttempt.Status.PENDING:
        if succeeded and _expired_topup_paid_late(attempt):
            _paid_after_failing(attempt)
        return CallbackOutcome(attempt.reference, attempt.status, replayed=True)
    attempt.status = PaymentAttempt.Status.SUCCEEDED if succeeded else PaymentAttempt.Status.FAILED
    attempt.settled_at = timezone.now()
    attempt.settled_by = settled_by
    attempt.callback_payload = payload
    attempt.save(update_fields=["status", "settled_at", "settled_by", "callback_payload"])
    if attempt.kind == PaymentAttempt.Kind.TOPUP:
        if succeeded:
            topup_credit(attempt)
    elif attempt.kind == PaymentAttempt.Kind.REFUND:
        if attempt.order_id is not None:
            order_outcomes().refund_settled(order_id=attempt.order_id, succeeded=succeeded)
    elif attempt.order_id is not None:
        if succeeded:
            _order_paid_or_refunded(attempt)
        else:
            order_outcomes().payment_failed(order_id=attempt.order_id, reference=attempt.reference)
    return CallbackOutcome(attempt.reference, attempt.status, replayed=False)


def topup_credit(attempt: PaymentAttempt) -> None:
    """The provider confirmed the top-up: gateway clearing → the wallet, once (inside the
    settling transaction, under the attempt's lock)."""
    wallet = attempt.account
    provider = PROVIDER_NAMES.get(attempt.provider, "mobile money")
    posting = ledger_post(
        key=f"topup:{attempt.reference}",
        kind=LedgerTransaction.Kind.TOPUP,
        uid=attempt.uid,
        legs=transfer(
            system_account(Account.Kind.GATEWAY, attempt.currency), wallet, attempt.amount_minor
        ),
        description=f"Wallet top-up via {provider}",
        reference=attempt.reference,
    )
    if posting.created:
        wallet_moved(
            account=wallet,
            ledger_transaction=posting.transaction,
            amount_minor=attempt.amount_minor,
            title="Wallet topped up",
            body=f"Wallet topped up with {amount_text(attempt.amount_minor, attempt.currency)}",
        )


def _failed_and_not_refunded(attempt: PaymentAttempt) -> bool:
    return (
        attempt.kind in (PaymentAttempt.Kind.PAYMENT, PaymentAttempt.Kind.TOPUP)
        and attempt.status == PaymentAttempt.Status.FAILED
        and not attempt.refunds.exists()
    )


def _expired_topup_paid_late(attempt: PaymentAttempt) -> bool:
    """A top-up that expired unpaid and that the provider now says was paid: the money
    is given back (an expired top-up is never credited), once."""
    return (
        attempt.kind == PaymentAttempt.Kind.TOPUP
        and attempt.settled_by == PaymentAttempt.SettledBy.EXPIRY
        and _failed_and_not_refunded(attempt)
    )


@transaction.atomic(durable=True)
def payment_paid_after_failing(*, reference: str) -> CallbackOutcome:
    """The provider's status API says a payment or top-up it had failed was paid after all
    (its page let the buyer try again on the same reference): the money goes back, once.
    Only its status API's word moves money here, never a callback's alone: a success
    callback that contradicts the provider's own earlier failure is a replay."""
    attempt = payment_attempt_lock(reference)
    if attempt is None:
        raise unknown_payment()
    if _failed_and_not_refunded(attempt):
        _paid_after_failing(attempt)
    return CallbackOutcome(attempt.reference, attempt.status, replayed=True)


def _paid_after_failing(attempt: PaymentAttempt) -> None:
    """Money for an attempt settled as failed, under its lock: a failed top-up is never
    credited, and the order of a failed payment was cancelled with its stock given back
    (the orders domain marks its refund), so the money goes back."""
    logger.error(
        "money arrived for %s %s, settled as failed: refunding it", attempt.kind, attempt.reference
    )
    if attempt.order_id is None:
        _refund_of(attempt)
    elif _order_paid_or_refunded(attempt):
        # its order still awaited it (a failure cancels a pending order, so this is not
        # expected): the order is paid by it after all, and the attempt says so
        attempt.status = PaymentAttempt.Status.SUCCEEDED
        attempt.save(update_fields=["status"])


def _order_paid_or_refunded(attempt: PaymentAttempt) -> bool:
    """Money arrived for an order's payment: the order takes it while it awaits it (True);
    one that no longer does (expired, cancelled) marks its refund, and the money goes back."""
    if order_outcomes().payment_succeeded(order_id=attempt.order_id, reference=attempt.reference):
        return True
    _refund_of(attempt)
    return False
