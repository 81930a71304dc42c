"""Duka's payment page of an order (plain Django: a page for people, opened from the app).

`GET /pay/ord_…` is the `payment_url` of a Techaven order paid through a provider
(`orders.services.payment`): it leads the buyer to the provider's page once the payment is
open, and otherwise says where the order stands. It needs no sign-in (it opens in a
browser, where the app's token is not), so it shows nothing personal: only the order's
number, total and state. Whoever opens it is sent to the provider's page, where paying
takes the payer's own mobile-money PIN. It is never cached (`Cache-Control: no-store`).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.ids import TechavenIds
from core.storefront import Storefront
from wallet.providers import PROVIDER_NAMES
from wallet.selectors import payment_page_url

from .models import Order
from .services.payment import OPEN_MISSED_AFTER, awaiting_payment_open, order_payment_open_again
from .state import Status


@never_cache
@require_safe
def order_pay_page(request: HttpRequest, order_id: str) -> HttpResponse:
    """302 to the provider's page when the payment is open; otherwise a page that says the
    payment is being opened (it reloads itself), or that the order is paid or cancelled."""
    uid = TechavenIds.ORDER.parse(order_id)
    order = (
        Order.objects.filter(uid=uid or "", storefront=Storefront.TECHAVEN)
        .exclude(payment_url="")
        .first()
    )
    if order is None:
        raise Http404("No such payment")
    awaiting = order.status == Status.PENDING and not order.is_paid
    if awaiting and order.payment_reference:
        url = payment_page_url(order.payment_reference)
        if url:
            return HttpResponseRedirect(url)
    if awaiting_payment_open(order) and order.created_at < timezone.now() - OPEN_MISSED_AFTER:
        order_payment_open_again(order.pk)  # its task was lost: once more (it runs once)
    context = {
        "order": order,
        "awaiting": awaiting,
        "provider_name": PROVIDER_NAMES.get(order.payment_provider, "your mobile money provider"),
    }
    return render(request, "orders/pay.html", context)
