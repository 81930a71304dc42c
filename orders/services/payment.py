"""Opening an order's provider payment, away from the buyer's request.

A Techaven checkout paid through a provider answers as soon as its order has committed: its
`payment_url` is Duka's own page for the order (`/pay/ord_…`, the contract's example
`https://payment.techaven.mw/pay/ord_789`), and a task opens the provider payment
(`order_payment_open`). The page sends the buyer on to the provider's page once it is open,
and says so when the order was paid, or cancelled because the payment could not be opened.
No request thread ever waits on a provider, however slow it is.

Nothing is lost when the task is: the order claims its payment (`payment_provider`) before
the provider is called, so a task that runs twice opens one payment; an order whose task
never ran is enqueued again by beat (`orders_payments_open_missed`) and by its page, and one
whose payment never opened expires with the other unpaid orders, its stock coming back.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from core.ids import TechavenIds
from wallet.providers import provider_key
from wallet.services import payment_open

from ..models import Order
from ..state import Status

logger = logging.getLogger(__name__)

# an order placed longer ago than this whose payment nobody claimed lost its task
OPEN_MISSED_AFTER = timedelta(seconds=15)


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
    except Exception:
        logger.warning("payment of order %s not queued; beat will retry", order_id, exc_info=True)


def order_payment_open(*, order_id: int) -> bool:
    """Open the provider payment of a placed order that awaits one. The order is claimed
    under its row lock first (its `payment_provider`), so that a second run changes nothing;
    the provider is called after that commit, with no lock held. A provider that cannot open
    the payment fails it like a decline: the order is cancelled and its stock comes back.
    True when this call opened the payment."""
    with transaction.atomic(durable=True):
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("payment_method")
            .filter(
                pk=order_id,
                status=Status.PENDING,
                is_paid=False,
                payment_provider="",
                payment_method__isnull=False,
            )
            .first()
        )
        if order is None:  # opened already, paid, cancelled, or not paid through a provider
            return False
        method = order.payment_method
        Order.objects.filter(pk=order.pk).update(
            payment_provider=provider_key(method.provider), updated_at=timezone.now()
        )
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
    Order.objects.filter(pk=order.pk).update(
        payment_reference=attempt.reference, updated_at=timezone.now()
    )
    return True


def orders_payments_open_missed() -> int:
    """Queue again the orders whose payment no task claimed in time (their task was lost, or
    never queued); returns how many."""
    ids = list(
        Order.objects.filter(
            status=Status.PENDING,
            is_paid=False,
            payment_provider="",
            payment_method__isnull=False,
            created_at__lt=timezone.now() - OPEN_MISSED_AFTER,
        ).values_list("pk", flat=True)[:500]
    )
    for order_id in ids:
        order_payment_open_soon(order_id)
    if ids:
        logger.info("queued the payment of %d orders again", len(ids))
    return len(ids)
