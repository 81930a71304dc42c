"""The sandbox provider's payment page and the providers' callback endpoint (plain Django:
these are pages for people and provider servers, not part of a storefront contract)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError, ErrorKind

from .conf import payments_sandbox_enabled
from .errors import PaymentErrorCode
from .models import PaymentAttempt
from .providers import (
    PROVIDER_NAMES,
    ProviderUnavailable,
    SandboxProvider,
    get_provider,
    provider_available,
)
from .sandbox import sandbox_decide, sandbox_payment_get
from .services import payment_callback_handle


def _sandbox_attempt(reference: str) -> PaymentAttempt:
    if not payments_sandbox_enabled():
        raise Http404("No such payment")
    attempt = (
        PaymentAttempt.objects.select_related("order")
        .prefetch_related("order__items")
        .filter(
            reference=reference,
            kind__in=[PaymentAttempt.Kind.PAYMENT, PaymentAttempt.Kind.TOPUP],
        )
        .first()
    )
    if attempt is None or not isinstance(get_provider(attempt.provider), SandboxProvider):
        raise Http404("No such payment")
    return attempt


@require_http_methods(["GET", "POST"])
def sandbox_payment_page(request: HttpRequest, reference: str) -> HttpResponse:
    """GET: the order summary with Approve / Decline. POST (the form): the sandbox records the
    buyer's decision, then signs and sends its callback; the page shows what the sandbox
    recorded (the first decision stands; a second click changes nothing)."""
    attempt = _sandbox_attempt(reference)
    sandbox = sandbox_payment_get(reference)
    if sandbox is None:
        raise Http404("No such payment")
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision not in {"approve", "decline"}:
            return HttpResponse("Choose approve or decline.", status=400)
        sandbox = sandbox_decide(reference=reference, approve=decision == "approve")
    context = {
        "attempt": attempt,
        "sandbox": sandbox,
        "order": attempt.order,
        "items": list(attempt.order.items.all()) if attempt.order else [],
        "provider_name": PROVIDER_NAMES.get(attempt.provider, attempt.provider),
    }
    return render(request, "wallet/sandbox_pay.html", context)


@csrf_exempt
@require_POST
def provider_callback(request: HttpRequest, provider: str) -> JsonResponse:
    """A provider's callback, signed in the header its adapter names. 503 when the provider
    could not confirm it (its server retries on anything but 2xx; reconcile asks later).
    404 for a provider key nothing serves here (the sandbox, where it is switched off)."""
    if not provider_available(provider):
        return JsonResponse(
            {"ok": False, "code": "UNKNOWN_PROVIDER", "error": "No such provider"}, status=404
        )
    adapter = get_provider(provider)
    try:
        outcome = payment_callback_handle(
            provider=provider,
            body=request.body,
            signature=request.headers.get(adapter.signature_header, ""),
        )
    except DomainError as exc:
        status = 404 if exc.kind == ErrorKind.NOT_FOUND else 400
        return JsonResponse({"ok": False, "code": exc.code, "error": exc.message}, status=status)
    except ProviderUnavailable:
        return JsonResponse(
            {
                "ok": False,
                "code": PaymentErrorCode.PROVIDER_UNAVAILABLE,
                "error": "The payment could not be confirmed with the provider; try again later",
            },
            status=503,
        )
    return JsonResponse(
        {
            "ok": True,
            "reference": outcome.reference,
            "status": outcome.status,
            "replayed": outcome.replayed,
        }
    )
