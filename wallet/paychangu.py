"""PayChangu, the Malawian aggregator for Airtel Money and TNM Mpamba, behind `PaymentProvider`.

Nothing uses it by default. A deployment serves provider keys with it through
`PAYMENT_PROVIDERS` (`{"airtel_money": "wallet.paychangu.PayChanguProvider", "tnm_mpamba":
"wallet.paychangu.PayChanguProvider"}`) and sets `PAYCHANGU_SECRET_KEY` and
`PAYCHANGU_WEBHOOK_SECRET` (see wallet/conf.py for every setting). On PayChangu's dashboard
(Settings → API & Webhooks) the webhook URL is `<PUBLIC_BASE_URL>/pay/callback/airtel_money`:
an account has one webhook URL, and a webhook arriving at any key this adapter serves settles
the attempt under its own key (`wallet.services.payments._callback_confirm`).

How it works
- Payment: a hosted checkout session for our own `tx_ref` (`pch_<hex>`); the buyer pays on
  PayChangu's page (`checkout_url`, where the order's `payment_url` leads).
- Callbacks: PayChangu's webhook is a hint (`confirms_callbacks`). Its `Signature` header is
  checked, then the outcome is asked of verify-payment (payouts: the transfer's details) and
  the attempt is settled as that answer says. Reconcile asks the same question when no
  webhook came.
- Refund: a mobile-money payout of the whole payment to the payer's number, `charge_id` = our
  refund reference, sent after commit by the Celery task `paychangu_payout_send`. Its outcome
  arrives as an `api.payout` webhook (confirmed through the transfer's details like any
  webhook) or, when that is lost, through reconcile asking the same details endpoint. A
  payout PayChangu has no record of (the task was lost) is sent again by reconcile.

PayChangu documentation followed (developer.paychangu.com, v1.0):
- docs/standard-checkout and reference/initiate-transaction: `POST /payment`, `Authorization:
  Bearer <secret key>`, JSON `amount`, `currency`, `tx_ref`, `callback_url`, `return_url`,
  `customization {title, description}`; the answer's `data.checkout_url`.
- docs/transaction-verification and reference/verify-transaction-status: `GET
  /verify-payment/{tx_ref}`, `data.status`, `data.tx_ref`, `data.amount`, `data.currency`;
  check reference, status, currency and amount before giving value.
- docs/webhooks: the `Signature` header is the hex HMAC-SHA256 of the raw body keyed with the
  webhook secret; "Always re-query" before giving value; a non-200 answer is retried three
  times, 30 minutes apart; poll pending transactions as a backup (our reconcile).
- docs/introduction-2, docs/mobile-money, reference/mobile-money-payout, reference/get-operator:
  operators `GET /mobile-money` (`data[].short_code` airtel / tnm, `data[].ref_id`), payout
  `POST /mobile-money/payouts/initialize` with `mobile_money_operator_ref_id`, `mobile`,
  `amount`, `charge_id` (unique per transaction).
- reference/fetch-a-transfer ("Single MoMo Payout Details"): `GET
  /mobile-money/payments/{charge_id}/details`, `data.status`, `data.type` "API Payout".
- docs/paychangu-errors: failures are 4xx `{"status": "failed", "message": …, "data": null}`.

Assumed where the docs are vague or contradict each other:
- `callback_url` is where the buyer's browser lands after paying (PayChangu appends `tx_ref`
  and `status`); it is not the signed webhook, which goes to the dashboard's URL. Both it and
  `return_url` are `PAYCHANGU_RETURN_URL` (default `PUBLIC_BASE_URL`); the app learns the
  outcome from the order, never from that redirect.
- The customer's name and email are optional in Standard Checkout's table (required in the
  older "Level" page); the protocol does not carry them and the hosted page asks, so none
  are sent. The payer's phone is not sent either: the buyer types it on PayChangu's page.
- Amounts are whole kwacha (Duka holds MWK without a minor unit), sent as strings as in the
  docs' samples; answers give numbers or strings ("50.00") and are compared as decimals.
  Some answers spell the currency "MK": it is MWK.
- A checkout webhook names our reference in `tx_ref`; direct-charge and payout webhooks (the
  docs' samples) in `charge_id`. `reference` is PayChangu's own id and is never used.
- Statuses: success / successful → succeeded; failed / cancelled (the webhook sample's
  "failed/cancelled") → failed; pending and anything unrecognised → pending (nothing
  settles). The checkout page lets a buyer retry after a failed attempt; we take
  verify-payment's `failed` as the transaction's final state (the docs redirect to
  `return_url` with `failed` only once the buyer cancels or the attempts run out).
- "Not found" (verify-payment or details of an unknown reference) is a 404, or a 4xx whose
  message says "not found": the reference is UNKNOWN to PayChangu.
- The docs accept an amount "greater than or equal to" the expected one; a verified success
  whose amount or currency differs from the attempt's, or whose reference is another, is not
  taken as success here: it is logged as an error and answered as pending, for a person.
- The payout's `mobile` is the local spelling `0991234567` (libphonenumber's national
  format without spaces), as in the docs' sample. The operator follows from the number's
  MACRA range (`accounts.phones.MOBILE_RANGES`: Airtel 99/98, TNM 88/89/31) and is matched
  to the operators list by `short_code`, else by name. Before sending, the transfer's
  details are asked: a `charge_id` PayChangu already has is not sent again (it must be
  unique anyway), so asking twice pays once. The initialize answer (which in sandbox mode
  may already say success) is never taken as the outcome.
- One docs version says mobile-money payouts serve Airtel Money only and lists TNM with
  `supports_withdrawals: false`; the current page says both. A refused TNM payout raises
  (logged; reconcile asks again) and needs a person.
- The operators endpoint is called with the bearer key too (its sample shows none).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import httpx
from django.db import transaction

from accounts.phones import AIRTEL, TNM, local_spelling, mobile_network, normalise_mobile
from core.money import Currency, Money

from . import conf
from .models import PaymentAttempt
from .providers import CallbackResult, Initiation, PaymentStatus, ProviderUnavailable

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Signature"

_SUCCEEDED = frozenset({"success", "successful"})
_FAILED = frozenset({"failed", "cancelled", "canceled", "failed/cancelled"})
_CURRENCY_ALIASES = {"MK": "MWK"}


class PayChanguProvider:
    """PayChangu's hosted checkout, verify-payment, webhooks and mobile-money payouts."""

    signature_header = SIGNATURE_HEADER
    confirms_callbacks = True  # a webhook is a hint: verify-payment says what happened

    def __init__(self, key: str = "paychangu") -> None:
        self.key = key

    def new_reference(self) -> str:
        return f"pch_{secrets.token_hex(12)}"

    # --- payments --------------------------------------------------------------------------

    def initiate(
        self, *, reference: str, amount_minor: int, currency: str, phone: str
    ) -> Initiation:
        """Open a hosted checkout session for `reference`; its page is the payment URL."""
        back = conf.paychangu_return_url()
        answer = self._call(
            "POST",
            "/payment",
            body={
                "amount": _amount(amount_minor, currency),
                "currency": currency,
                "tx_ref": reference,
                "callback_url": back,
                "return_url": back,
                "customization": {"title": "Techaven", "description": f"Payment {reference}"},
            },
        )
        data = answer.get("data")
        checkout_url = data.get("checkout_url") if isinstance(data, dict) else None
        if (
            answer.get("status") != "success"
            or not isinstance(checkout_url, str)
            or not checkout_url.startswith(("https://", "http://"))
        ):
            raise ProviderUnavailable(
                f"PayChangu gave no checkout page for {reference}: {_message(answer)}"
            )
        return Initiation(reference, checkout_url)

    # --- callbacks (webhooks) --------------------------------------------------------------

    def verify_callback(self, *, body: bytes, signature: str) -> bool:
        secret = conf.paychangu_webhook_secret()
        if not secret:
            logger.error("PAYCHANGU_WEBHOOK_SECRET is not set: PayChangu webhooks are refused")
            return False
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return bool(signature) and hmac.compare_digest(expected, signature.strip().lower())

    def parse_callback(self, *, body: bytes) -> CallbackResult:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("a webhook body is a JSON object")
        reference = data.get("tx_ref") or data.get("charge_id")
        if not reference:
            raise KeyError("tx_ref")
        return CallbackResult(
            str(reference), _status(data.get("status")) == PaymentStatus.SUCCEEDED
        )

    # --- status queries --------------------------------------------------------------------

    def payment_status(self, *, reference: str) -> PaymentStatus:
        """verify-payment for a payment, the transfer's details for a refund (a payout).
        Raises `ProviderUnavailable` when PayChangu cannot be asked."""
        attempt = (
            PaymentAttempt.objects.filter(reference=reference)
            .values("kind", "amount_minor", "currency")
            .first()
        )
        is_refund = attempt is not None and attempt["kind"] == PaymentAttempt.Kind.REFUND
        if is_refund:
            answer = self._find(_payout_details_path(reference))
        else:
            answer = self._find(f"/verify-payment/{quote(reference, safe='')}")
        if answer is None:
            return PaymentStatus.UNKNOWN
        data = answer.get("data")
        if isinstance(data, dict) and isinstance(data.get("transaction"), dict):
            data = data["transaction"]  # the bank-payout spelling of the same answer
        if not isinstance(data, dict):
            raise ProviderUnavailable(f"PayChangu's answer about {reference} has no data")
        status = _status(data.get("status"))
        if status == PaymentStatus.PENDING and str(data.get("status")).lower() != "pending":
            logger.warning(
                "PayChangu answered status %r about %s: taken as pending",
                data.get("status"),
                reference,
            )
        if status == PaymentStatus.SUCCEEDED and attempt is not None:
            disagreement = _disagreement(
                data,
                reference=reference,
                reference_field="charge_id" if is_refund else "tx_ref",
                amount_minor=attempt["amount_minor"],
                currency=attempt["currency"],
            )
            if disagreement:
                logger.error(
                    "PayChangu says %s %s succeeded, but %s: not taken as success; "
                    "a person must look at it",
                    attempt["kind"],
                    reference,
                    disagreement,
                )
                return PaymentStatus.PENDING
        return status

    # --- refunds (mobile-money payouts) ----------------------------------------------------

    def refund(self, *, reference: str, amount_minor: int, currency: str, phone: str = "") -> None:
        # Never from inside the caller's transaction: the payout request leaves after commit,
        # through a Celery task. A lost task is a payout PayChangu has no record of:
        # payment_status answers UNKNOWN and reconcile asks again.
        transaction.on_commit(
            lambda: self._send_payout(
                reference=reference, amount_minor=amount_minor, currency=currency, phone=phone
            )
        )

    def _send_payout(self, *, reference: str, amount_minor: int, currency: str, phone: str) -> None:
        from wallet.tasks import paychangu_payout_send

        try:
            paychangu_payout_send.delay(self.key, reference, amount_minor, currency, phone)
        except Exception:  # broker down, or (eager) PayChangu refused: reconcile asks again
            logger.warning(
                "PayChangu payout %s not sent; reconcile will retry it", reference, exc_info=True
            )

    def payout_send(self, *, reference: str, amount_minor: int, currency: str, phone: str) -> None:
        """Pay a refund out to the payer's mobile-money wallet, once per reference: a payout
        PayChangu already has under this `charge_id` is not asked for again."""
        number = normalise_mobile(phone)
        network = mobile_network(number) if number else None
        if network not in (AIRTEL, TNM) or number is None:
            logger.error(
                "refund %s cannot be paid out: %r is no Airtel or TNM number; a person must "
                "refund it",
                reference,
                phone,
            )
            raise ValueError(f"refund {reference}: no Airtel or TNM number to pay out to")
        if currency != Currency.MWK:
            raise ValueError(f"refund {reference}: PayChangu pays mobile money out in MWK only")
        if self._find(_payout_details_path(reference)) is not None:
            logger.info("PayChangu already has payout %s: not asked for again", reference)
            return
        answer = self._call(
            "POST",
            "/mobile-money/payouts/initialize",
            body={
                "mobile_money_operator_ref_id": self._operator_ref_id(network),
                "mobile": local_spelling(number),
                "amount": _amount(amount_minor, currency),
                "charge_id": reference,
            },
        )
        if answer.get("status") != "success":
            raise ProviderUnavailable(f"PayChangu refused payout {reference}: {_message(answer)}")
        logger.info(
            "PayChangu payout %s asked for: %s %s to %s", reference, amount_minor, currency, number
        )

    def _operator_ref_id(self, network: str) -> str:
        answer = self._call("GET", "/mobile-money")
        operators = answer.get("data")
        for operator in operators if isinstance(operators, list) else []:
            if not isinstance(operator, dict) or not operator.get("ref_id"):
                continue
            short_code = str(operator.get("short_code") or "").lower()
            name = str(operator.get("name") or "").lower()
            if short_code == network or (not short_code and network in name):
                return str(operator["ref_id"])
        raise ProviderUnavailable(f"PayChangu lists no mobile-money operator for {network}")

    # --- HTTP ------------------------------------------------------------------------------

    def _call(
        self, method: str, path: str, *, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """One request to PayChangu's API and its JSON answer. Raises `ProviderUnavailable` on
        a network error, a non-2xx answer, or an answer that is not a JSON object."""
        answer = self._call_or_none(method, path, body=body, missing_ok=False)
        assert answer is not None  # only a "not found" answer is None, and it raised
        return answer

    def _find(self, path: str) -> dict[str, Any] | None:
        """GET a transaction's record: None when PayChangu says it has none."""
        return self._call_or_none("GET", path, body=None, missing_ok=True)

    def _call_or_none(
        self, method: str, path: str, *, body: dict[str, Any] | None, missing_ok: bool
    ) -> dict[str, Any] | None:
        connect, read = conf.paychangu_timeouts()
        headers = {
            "Authorization": f"Bearer {conf.paychangu_secret_key()}",
            "Accept": "application/json",
        }
        try:
            with httpx.Client(
                base_url=conf.paychangu_base_url(),
                timeout=httpx.Timeout(read, connect=connect),
                headers=headers,
            ) as client:
                response = client.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"PayChangu {method} {path}: {exc!r}") from exc
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if missing_ok and _not_found(response.status_code, answer):
            return None
        if not response.is_success:
            raise ProviderUnavailable(
                f"PayChangu {method} {path} answered {response.status_code}: {_message(answer)}"
            )
        if not isinstance(answer, dict):
            raise ProviderUnavailable(f"PayChangu {method} {path} answered no JSON object")
        return answer


def _payout_details_path(reference: str) -> str:
    return f"/mobile-money/payments/{quote(reference, safe='')}/details"


def _amount(amount_minor: int, currency: str) -> str:
    return str(Money(amount_minor, Currency(currency)).decimal)


def _status(value: Any) -> PaymentStatus:
    status = str(value or "").strip().lower()
    if status in _SUCCEEDED:
        return PaymentStatus.SUCCEEDED
    if status in _FAILED:
        return PaymentStatus.FAILED
    return PaymentStatus.PENDING


def _disagreement(
    data: dict[str, Any], *, reference: str, reference_field: str, amount_minor: int, currency: str
) -> str:
    """What in PayChangu's answer differs from our attempt ("" when nothing does)."""
    theirs = data.get(reference_field)
    if theirs not in (None, "") and str(theirs) != reference:
        return f"its {reference_field} is {theirs!r}"
    their_currency = str(data.get("currency") or "").upper()
    their_currency = _CURRENCY_ALIASES.get(their_currency, their_currency)
    if their_currency != currency:
        return f"its currency is {data.get('currency')!r}, ours {currency}"
    try:
        paid = Decimal(str(data.get("amount")))
        expected = Money(amount_minor, Currency(currency)).decimal
    except (InvalidOperation, ValueError):
        return f"its amount {data.get('amount')!r} is unreadable"
    if paid != expected:
        return f"its amount is {data.get('amount')!r}, ours {expected}"
    return ""


def _not_found(status_code: int, answer: Any) -> bool:
    if status_code == 404:
        return True
    return 400 <= status_code < 500 and "not found" in _message(answer).lower()


def _message(answer: Any) -> str:
    message = answer.get("message") if isinstance(answer, dict) else None
    return message if isinstance(message, str) else json.dumps(message)
