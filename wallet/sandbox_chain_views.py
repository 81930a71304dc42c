"""The sandbox chain's page and JSON endpoints (plain Django, like the sandbox payment page):
a person or a script sends deposits and mines blocks. They exist only while the sandbox
chain is the backend and sandboxes are allowed (`sandbox_chain_enabled`); otherwise 404."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from core.money import Currency, Money, MoneyError

from .chain import confirmations, sandbox_chain_enabled
from .sandbox_chain import (
    MAX_SUPPLY_SAT,
    SandboxChain,
    SandboxChainError,
    SandboxChainErrorCode,
    chain_output,
    sandbox_blocks_mine,
    sandbox_chain_recent,
    sandbox_deposit_broadcast,
)

_WHOLE_NUMBER = re.compile(r"[0-9]{1,6}")
_MAX_BTC = Decimal(MAX_SUPPLY_SAT).scaleb(-Currency.BTC.exponent)


def _sandbox_only(*, json_404: bool) -> Callable:
    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not sandbox_chain_enabled():
                if json_404:
                    return JsonResponse({"error": "Not found"}, status=404)
                raise Http404("The sandbox chain is not enabled")
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def _amount_sat(value: object) -> int:
    """BTC as a decimal string or a JSON number, exactly: no float ever holds it."""
    if isinstance(value, str):
        value = value.strip()
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise _bad_amount("amount_btc must be a decimal number of BTC")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise _bad_amount("amount_btc must be a decimal number of BTC") from None
    # checked before the exact conversion, which would build huge integers from 1e999999
    if not amount.is_finite() or not 0 < amount <= _MAX_BTC:
        raise _bad_amount("amount_btc must be more than 0 and at most 21,000,000 BTC")
    try:
        return Money.from_decimal(amount, Currency.BTC).amount_minor
    except MoneyError as exc:
        raise _bad_amount(f"amount_btc: {exc}") from None


def _bad_amount(message: str) -> SandboxChainError:
    return SandboxChainError(SandboxChainErrorCode.BAD_AMOUNT, message, field="amount_btc")


def _count(value: object) -> int:
    """A JSON integer or a form's digits; 1 when left out (the range is the service's rule)."""
    if value is None or value == "":
        return 1
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        return int(value.strip())
    raise SandboxChainError(
        SandboxChainErrorCode.BAD_COUNT, "count must be a whole number", field="count"
    )


def _address(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _json_object(request: HttpRequest) -> dict[str, Any]:
    try:
        # numbers as Decimal, so amount_btc 0.1 is exactly 0.1
        data = json.loads(request.body or b"{}", parse_float=Decimal)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise SandboxChainError(SandboxChainErrorCode.BAD_REQUEST, "the body must be a JSON object")
    return data


def _error(exc: SandboxChainError) -> JsonResponse:
    return JsonResponse({"error": exc.message, "code": exc.code}, status=400)


@require_http_methods(["GET", "POST"])
@_sandbox_only(json_404=False)
def sandbox_btc_page(request: HttpRequest) -> HttpResponse:
    """GET: the tip, the two forms, the last 20 transactions. POST (a form): send a deposit
    or mine blocks, then back to the page (or the page again with the error, status 400)."""
    form = {"address": "", "amount_btc": "", "count": "1"}
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        form.update({k: request.POST.get(k, v) for k, v in form.items()})
        try:
            if action == "deposit":
                tx = sandbox_deposit_broadcast(
                    address=_address(form["address"]), amount_sat=_amount_sat(form["amount_btc"])
                )
                messages.success(request, f"Broadcast {tx.txid} to {tx.address}.")
                return redirect("sandbox-btc")
            if action == "mine":
                height = sandbox_blocks_mine(count=_count(form["count"]))
                messages.success(request, f"Mined up to block {height}.")
                return redirect("sandbox-btc")
            error = "Choose deposit or mine."
        except SandboxChainError as exc:
            error = exc.message
    tip = SandboxChain().tip_height()
    context = {
        "tip": tip,
        "form": form,
        "error": error,
        "transactions": [
            {"tx": row, "confirmations": confirmations(chain_output(row), tip)}
            for row in sandbox_chain_recent(limit=20)
        ],
    }
    return render(request, "wallet/sandbox_btc.html", context, status=400 if error else 200)


def _json_endpoint(view: Callable[[dict[str, Any]], dict[str, Any]]):
    """A JSON POST endpoint of the sandbox chain: `view` takes the body's object and returns
    the 201's body; a `SandboxChainError` on the way is the 400 `{"error", "code"}`."""

    @csrf_exempt
    @_sandbox_only(json_404=True)
    @require_POST
    @wraps(view)
    def endpoint(request: HttpRequest) -> JsonResponse:
        try:
            answer = view(_json_object(request))
        except SandboxChainError as exc:
            return _error(exc)
        return JsonResponse(answer, status=201)

    return endpoint


@_json_endpoint
def sandbox_btc_deposits(data: dict[str, Any]) -> dict[str, Any]:
    """`{"address", "amount_btc"}` → 201 with the unconfirmed transaction."""
    tx = sandbox_deposit_broadcast(
        address=_address(data.get("address")), amount_sat=_amount_sat(data.get("amount_btc"))
    )
    return {
        "txid": tx.txid,
        "vout": tx.vout,
        "address": tx.address,
        "amountBtc": f"{Money(tx.amount_sat, Currency.BTC).decimal:f}",
        "confirmations": 0,
    }


@_json_endpoint
def sandbox_btc_blocks(data: dict[str, Any]) -> dict[str, Any]:
    """`{"count": 1..100}` (default 1) → 201 with the new tip's height."""
    count = _count(data.get("count"))
    return {"height": sandbox_blocks_mine(count=count), "mined": count}
