"""Opening an order's provider payment, away from the buyer's request.

A Techaven checkout paid through a provider answers as soon as its order has committed: its
`payment_url` is Duka's own page for the order (`/pay/ord_…`, the contract's example
`https://payment.techaven.mw/pay/ord_789`), and a task opens the provider payment
(`order_payment_open`). The page sends the buyer on to the provider's page once it is open,
and says so when the order was paid, or cancelled because the payment could not be opened.
No request thread ever waits on a provider, however slow it is.

Nothing is lost when the task is: the order claims its payment (`payment_provider`, one
conditional UPDATE) before the provider is called, so a task that runs twice opens one
payment; a claim whose payment could not even be recorded is given back; an order whose
task never ran is queued again by beat (`orders_payments_open_missed`) and by its page, at
most once a minute each; one whose payment never opened expires with the other unpaid
orders, its stock coming back.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError

from core.cache import first_mark
from core.errors import DomainError
from core.ids import TechavenIds
from wallet.providers import provider_key
from wallet.selectors import payment_page_url
from wallet.services import payment_open

from ..models import Order
from ..state import Status
from .status import order_payment_failed

logger = logging.getLogger(__name__)

# an order placed longer ago than this whose payment nobody claimed lost its task
OPEN_MISSED_AFTER = timedelta(seconds=15)
# an order's task is queued again at most this often (beat and its page both do)
REQUEUE_EVERY_SECONDS = 60


def order_pay_page_url(uid: str) -> str:
    """Duka's page for paying order `uid`: the `payment_url` the buyer is given."""
    return f"{settings.PUBLIC_BASE_URL}/pay/{TechavenIds.ORDER(uid)}"


def order_payment_open_soon(order_id: int) -> None:
    """Have a worker open the order's provider payment (at once, when tasks run eagerly).
    Called with no transaction open; a broker that cannot take the task is logged and the
    order is picked up again (`orders_payments_open_missed`)."""
    from orders.tasks import order_payment_open_task

    try:
        order_payment_open_task.delay(order_id)
    except (OperationalError, OSError):
        logger.warning("payment of order %s not queued; beat will retry", order_id, exc_info=True)


def order_payment_open_again(order_id: int) -> bool:
    """Queue the payment of an order whose task seems lost, unless that was done within the
    last minute (so that beat and a page reloading every 2 s do not flood the queue)."""
    # without the cache it is queued anyway: the task runs once whatever happens
    first = first_mark(f"orders:payment-requeued:{order_id}", REQUEUE_EVERY_SECONDS)
    if first:
        order_payment_open_soon(order_id)
    return first


def _awaiting_open() -> QuerySet[Order]:
    """The orders placed to be paid through a provider whose payment nobody has claimed."""
    return Order.objects.filter(status=Status.PENDING, is_paid=False, payment_provider="").exclude(
        payment_url=""
    )


def order_provider_page(order: Order) -> str:
    """Where the order's payment page sends the buyer: the provider's page while the order
    awaits its payment and the payment is open; empty otherwise."""
    if order.status != Status.PENDING or order.is_paid or not order.payment_reference:
        return ""
    return payment_page_url(order.payment_reference)


def order_payment_open_if_lost(order: Order) -> None:
    """Queue the order's payment again when its task seems lost (unclaimed too long after
    checkout): its page does so when the buyer opens it."""
    if order.created_at < timezone.now() - OPEN_MISSED_AFTER:
        if _awaiting_open().filter(pk=order.pk).exists():
            order_payment_open_again(order.pk)


def order_payment_open(*, order_id: int) -> bool:
    """Open the provider payment of a placed order that awaits one; True when this call
    opened it. The order is claimed first (its `payment_provider`, set by an UPDATE that
    only one caller can win), so a second run changes nothing; the provider is called with
    no transaction open and no lock held. A provider that cannot open the payment fails it
    like a decline: the order is cancelled and its stock comes back, as it is when the
    buyer's payment method was deleted meanwhile."""
    order = _awaiting_open().select_related("payment_method").filter(pk=order_id).first()
    if order is None:  # opened already, paid, cancelled, or not paid through a provider
        return False
    method = order.payment_method
    if method is None:  # deleted after checkout: nothing to ask the payment of
        order_payment_failed(order_id=order.pk, reference="")
        return False
    claimed = (
        _awaiting_open()
        .filter(pk=order.pk)
        .update(payment_provider=provider_key(method.provider), updated_at=timezone.now())
    )
    if not claimed:
        return False
    try:
        attempt = payment_open(
            order_id=order.pk,
            amount_minor=order.total_minor,
            currency=order.currency,
            provider_name=method.provider,
            phone=method.phone_number,
        )
    except DomainError:  # PROVIDER_UNAVAILABLE: the order was cancelled (`payment_open`)
        logger.warning("order %s: the provider could not open its payment", order.number)
        return False
    except Exception:
        # nothing recorded with the provider yet (say the database blinked): give the claim
        # back, so that beat queues the order again
        if not order.payments.exists():
            Order.objects.filter(pk=order.pk, payment_reference="").update(payment_provider="")
        raise
    Order.objects.filter(pk=order.pk).update(
        payment_reference=attempt.reference, updated_at=timezone.now()
    )
    return True


def orders_payments_open_missed() -> int:
    """Queue again the orders whose payment no task claimed in time (their task was lost, or
    never queued); returns how many."""
    ids = list(
        _awaiting_open()
        .filter(created_at__lt=timezone.now() - OPEN_MISSED_AFTER)
        .values_list("pk", flat=True)[:500]
    )
    queued = sum(order_payment_open_again(order_id) for order_id in ids)
    if queued:
        logger.info("queued the payment of %d orders again", queued)
    return queued
