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
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from wallet.providers import PROVIDER_NAMES

from .selectors import techaven_order_to_pay
from .services.payment import order_payment_open_if_lost, order_provider_page
from .services.status import PAYMENT_FAILED
from .state import Status


@never_cache
@require_safe
def order_pay_page(request: HttpRequest, order_id: str) -> HttpResponse:
    """302 to the provider's page when the payment is open; otherwise a page that says the
    payment is being opened (it reloads itself), or that the order is paid or cancelled."""
    order = techaven_order_to_pay(order_id)
    if order is None:
        raise Http404("No such payment")
    if provider_page := order_provider_page(order):
        return HttpResponseRedirect(provider_page)
    order_payment_open_if_lost(order)
    context = {
        "order": order,
        "awaiting": order.status == Status.PENDING and not order.is_paid,
        "payment_failed": order.cancel_reason == PAYMENT_FAILED,
        "provider_name": PROVIDER_NAMES.get(order.payment_provider, "your mobile money provider"),
    }
    return render(request, "orders/pay.html", context)
