"""Reconcile: the safety net under provider callbacks and refund requests (BRIEF decision 8).

A callback can be lost (it never reaches us, or our handler fails) and so can the Celery task
that carries a refund request to the sandbox (broker down). Beat runs `payments_reconcile`
every few minutes: each payment or refund still pending after the grace period is looked up
with its provider's status API, and a final answer settles it through `payment_settle`, the
callback's own path, so it is settled exactly once whichever comes first. A refund the
provider has no record of never reached it and is asked for again (refunds are idempotent
per reference). Unpaid-order expiry asks about an order's payment before expiring it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .. import conf
from ..models import PaymentAttempt
from ..providers import PaymentStatus, get_provider
from .payments import CallbackOutcome, payment_settle

logger = logging.getLogger(__name__)


class ReconcileResult(StrEnum):
    SETTLED = "settled"
    ALREADY_SETTLED = "already_settled"  # its callback came first
    PENDING = "pending"  # the provider has no final answer yet
    REFUND_REQUESTED = "refund_requested"  # the provider had no record of the refund
    UNREACHABLE = "unreachable"  # the provider could not be asked; the next run asks again
    ERROR = "error"


def payments_reconcile_pending(*, now: datetime | None = None) -> Counter[str]:
    """Ask the providers about payments and refunds still pending after the grace period
    (`PAYMENTS_RECONCILE_GRACE_MINUTES`), least recently asked first, a batch at a time.
    Payments older than `PAYMENTS_RECONCILE_MAX_AGE_HOURS` are left alone; refunds are
    asked about until they settle. Top-ups that expired unpaid are asked about for as long
    as payments are: money the provider still took for one (its callback lost) goes back."""
    now = now or timezone.now()
    expired_topups = Q(
        kind=PaymentAttempt.Kind.TOPUP,
        status=PaymentAttempt.Status.FAILED,
        settled_by=PaymentAttempt.SettledBy.EXPIRY,
        refunds__isnull=True,
    )
    due = (
        PaymentAttempt.objects.filter(Q(status=PaymentAttempt.Status.PENDING) | expired_topups)
        .filter(created_at__lte=now - conf.reconcile_grace())
        .filter(
            Q(kind=PaymentAttempt.Kind.REFUND) | Q(created_at__gte=now - conf.reconcile_max_age())
        )
        .order_by(F("status_checked_at").asc(nulls_first=True), "created_at", "pk")
        .values_list("reference", flat=True)
    )
    return _reconcile_each(list(due[: conf.reconcile_batch_size()]))


def payments_reconcile_for_orders(*, order_ids: Iterable[int]) -> Counter[str]:
    """Ask about the pending payments of these orders now, whatever their age (unpaid-order
    expiry calls this first, so an order whose payment went through is paid, not expired)."""
    references = PaymentAttempt.objects.filter(
        order_id__in=list(order_ids),
        kind=PaymentAttempt.Kind.PAYMENT,
        status=PaymentAttempt.Status.PENDING,
    ).values_list("reference", flat=True)
    return _reconcile_each(list(references))


def _reconcile_each(references: list[str]) -> Counter[str]:
    results: Counter[str] = Counter()
    for reference in references:
        try:
            results[payment_reconcile(reference=reference).value] += 1
        except Exception:  # one broken attempt must not stop the others
            logger.exception("reconcile of %s failed", reference)
            results[ReconcileResult.ERROR.value] += 1
    if references:
        logger.info("payments reconcile: %s", dict(sorted(results.items())))
    return results


def payment_reconcile(*, reference: str) -> ReconcileResult:
    """Ask the attempt's provider what became of it and act on a final answer exactly as its
    callback would have. Still pending (or a payment the provider does not know) changes
    nothing but the time it was last asked."""
    attempt = PaymentAttempt.objects.select_related("order").filter(reference=reference).first()
    if attempt is None:
        return ReconcileResult.ALREADY_SETTLED
    expired_topup = (
        attempt.kind == PaymentAttempt.Kind.TOPUP
        and attempt.settled_by == PaymentAttempt.SettledBy.EXPIRY
        and not attempt.refunds.exists()
    )
    if attempt.status != PaymentAttempt.Status.PENDING and not expired_topup:
        return ReconcileResult.ALREADY_SETTLED
    adapter = get_provider(attempt.provider)
    label = f"{attempt.kind} {reference} (order {attempt.order.number if attempt.order else '-'})"
    try:
        status: PaymentStatus | None = adapter.payment_status(reference=reference)
    except Exception:
        logger.warning("reconcile: %s could not ask %s", label, attempt.provider, exc_info=True)
        status = None
    if expired_topup:
        PaymentAttempt.objects.filter(pk=attempt.pk).update(status_checked_at=timezone.now())
        if status == PaymentStatus.SUCCEEDED:
            _settle(attempt, status)  # settled already: the money taken late goes back
            logger.warning(
                "reconcile: %s expired, but the provider took the money: refunding", label
            )
            return ReconcileResult.REFUND_REQUESTED
        return (
            ReconcileResult.ALREADY_SETTLED
            if status == PaymentStatus.FAILED
            else ReconcileResult.PENDING
        )
    if status in (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED):
        outcome = _settle(attempt, status)
        if outcome.replayed:
            return ReconcileResult.ALREADY_SETTLED
        logger.info("reconcile settled %s as %s (no callback received)", label, outcome.status)
        return ReconcileResult.SETTLED
    # no final answer: it goes to the back of the queue of the next runs
    PaymentAttempt.objects.filter(pk=attempt.pk).update(status_checked_at=timezone.now())
    if status is None:
        return ReconcileResult.UNREACHABLE
    if status == PaymentStatus.UNKNOWN and attempt.kind == PaymentAttempt.Kind.REFUND:
        try:
            with transaction.atomic(durable=True):
                adapter.refund(
                    reference=reference,
                    amount_minor=attempt.amount_minor,
                    currency=attempt.currency,
                    phone=attempt.payer_phone,
                )
        except Exception:
            logger.warning("reconcile: %s could not be sent again", label, exc_info=True)
            return ReconcileResult.UNREACHABLE
        logger.info("reconcile asked %s again for %s: it had no record", attempt.provider, label)
        return ReconcileResult.REFUND_REQUESTED
    return ReconcileResult.PENDING


@transaction.atomic(durable=True)
def _settle(attempt: PaymentAttempt, status: PaymentStatus) -> CallbackOutcome:
    return payment_settle(
        provider=attempt.provider,
        reference=attempt.reference,
        succeeded=status == PaymentStatus.SUCCEEDED,
        settled_by=PaymentAttempt.SettledBy.RECONCILE,
        payload={"status_query": str(status)},
    )
