"""A local stand-in for PayChangu's HTTP API (api.paychangu.com), for the adapter's tests.

A real HTTP server (threaded `http.server` on 127.0.0.1, a port the OS picks) that answers
the endpoints `wallet.paychangu` uses the way PayChangu's documentation shows them, keeps
PayChangu's side of things (checkout sessions, payouts), records every request, and can be
told to misbehave. The test plays the buyer and PayChangu's people: `buyer_pays`,
`payout_done`, and `webhook` (a body signed as PayChangu signs its webhooks).

(tests/helpers/servers.py starts Duka itself under uvicorn in a subprocess; a fake this small
needs no process of its own, and binding port 0 leaves no race for a free port.)
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# the operators list as PayChangu's "Get Operators" reference shows it
TNM_REF_ID = "27494cb5-ba9e-437f-a114-4e7a7686bcca"
AIRTEL_REF_ID = "20be6c20-adeb-4b5b-a7ba-0769820df4fb"
OPERATORS = [
    {
        "id": 1,
        "name": "TNM Mpamba",
        "ref_id": TNM_REF_ID,
        "short_code": "tnm",
        "logo": None,
        "supports_withdrawals": True,
        "supported_country": {"name": "Malawi", "currency": "MWK"},
    },
    {
        "id": 2,
        "name": "Airtel Money",
        "ref_id": AIRTEL_REF_ID,
        "short_code": "airtel",
        "logo": None,
        "supports_withdrawals": True,
        "supported_country": {"name": "Malawi", "currency": "MWK"},
    },
]

NOT_FOUND = {"status": "failed", "message": "Transaction not found.", "data": None}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    json: Any


@dataclass
class FakePayChangu:
    secret_key: str = field(default_factory=lambda: f"sec-test-{secrets.token_hex(12)}")
    webhook_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    # PayChangu's records: checkout transactions by tx_ref, payouts by charge_id
    transactions: dict[str, dict[str, Any]] = field(default_factory=dict)
    payouts: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    # "drop every connection without answering" (PayChangu unreachable)
    outage: bool = False
    # ("POST", "/payment") -> (status, body): answer this instead, body a dict or raw text
    overrides: dict[tuple[str, str], tuple[int, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(26262633201)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def start(self) -> FakePayChangu:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- what the test looks at ------------------------------------------------------------

    def calls(self, method: str, path: str) -> list[Request]:
        """Requests made to `path` (a prefix ending in "/" matches everything under it)."""
        with self._lock:
            return [
                r
                for r in self.requests
                if r.method == method
                and (r.path == path or (path.endswith("/") and r.path.startswith(path)))
            ]

    def checkout_url(self, tx_ref: str) -> str:
        return f"{self.url}/checkout/{self.transactions[tx_ref]['checkout_id']}"

    # --- what happens on PayChangu's side --------------------------------------------------

    def buyer_pays(self, tx_ref: str) -> None:
        self.set_transaction(tx_ref, status="success")

    def set_transaction(self, tx_ref: str, /, **changes: Any) -> None:
        with self._lock:
            self.transactions[tx_ref].update(changes)

    def payout_done(self, charge_id: str, status: str = "success") -> None:
        with self._lock:
            self.payouts[charge_id]["status"] = status

    def webhook(
        self,
        *,
        tx_ref: str | None = None,
        charge_id: str | None = None,
        status: str = "success",
    ) -> tuple[bytes, str]:
        """A webhook body as PayChangu sends it, and its `Signature` header value."""
        if charge_id is not None:
            payout = self.payouts[charge_id]
            payload: dict[str, Any] = {
                "event_type": "api.payout",
                "charge_id": charge_id,
                "reference": payout["ref_id"],
                "currency": "MWK",
                "amount": payout["amount"],
                "charge": "0",
                "mode": "test",
                "type": "API Payout",
                "status": status,
            }
        else:
            assert tx_ref is not None
            transaction = self.transactions[tx_ref]
            payload = {
                "event_type": "checkout.payment",
                "tx_ref": tx_ref,
                "reference": transaction["reference"],
                "currency": "MWK",
                "amount": transaction["amount"],
                "charge": "40",
                "mode": "test",
                "type": "API Payment (Checkout)",
                "status": status,
            }
        body = json.dumps(payload).encode()
        return body, self.sign(body)

    def sign(self, body: bytes, secret: str | None = None) -> str:
        key = (secret or self.webhook_secret).encode()
        return hmac.new(key, body, hashlib.sha256).hexdigest()

    # --- the API ---------------------------------------------------------------------------

    def answer(self, request: Request) -> tuple[int, Any]:
        with self._lock:
            self.requests.append(request)
            if (request.method, request.path) in self.overrides:
                return self.overrides[(request.method, request.path)]
            if request.headers.get("authorization") != f"Bearer {self.secret_key}":
                return 401, {"status": "failed", "message": "Unauthenticated.", "data": None}
            return self._route(request)

    def _route(self, request: Request) -> tuple[int, Any]:
        method, path, body = request.method, request.path, request.json
        if (method, path) == ("POST", "/payment"):
            return self._checkout(body)
        if method == "GET" and (match := re.fullmatch(r"/verify-payment/([^/]+)", path)):
            return self._verify(match.group(1))
        if (method, path) == ("GET", "/mobile-money"):
            return 200, {
                "status": "success",
                "message": "Supported mobile money operators retrieved successfully.",
                "data": OPERATORS,
            }
        if (method, path) == ("POST", "/mobile-money/payouts/initialize"):
            return self._payout(body)
        if method == "GET" and (
            match := re.fullmatch(r"/mobile-money/payments/([^/]+)/details", path)
        ):
            return self._payout_details(match.group(1))
        return 404, {"status": "failed", "message": "Route not found.", "data": None}

    def _checkout(self, body: Any) -> tuple[int, Any]:
        missing = [
            name
            for name in ("amount", "currency", "callback_url", "return_url")
            if not isinstance(body, dict) or not body.get(name)
        ]
        if missing:
            return 400, _validation_error(missing)
        tx_ref = body.get("tx_ref") or secrets.token_hex(8)
        if tx_ref in self.transactions:
            return 400, _validation_error(["tx_ref"], "has already been taken")
        checkout_id = next(self._ids)
        self.transactions[tx_ref] = {
            "checkout_id": checkout_id,
            "reference": str(next(self._ids)),
            "amount": int(Decimal(body["amount"])),
            "currency": body["currency"],
            "status": "pending",
        }
        return 200, {
            "message": "Hosted payment session generated successfully.",
            "status": "success",
            "data": {
                "event": "checkout.session:created",
                "checkout_url": f"{self.url}/checkout/{checkout_id}",
                "data": {
                    "tx_ref": tx_ref,
                    "currency": body["currency"],
                    "amount": int(Decimal(body["amount"])),
                    "mode": "sandbox",
                    "status": "pending",
                },
            },
        }

    def _verify(self, tx_ref: str) -> tuple[int, Any]:
        transaction = self.transactions.get(tx_ref)
        if transaction is None:
            return 404, NOT_FOUND
        return 200, {
            "status": "success",
            "message": "Payment details retrieved successfully.",
            "data": {
                "event_type": "checkout.payment",
                "tx_ref": transaction.get("tx_ref", tx_ref),
                "mode": "sandbox",
                "type": "API Payment (Checkout)",
                "status": transaction["status"],
                "number_of_attempts": 1,
                "reference": transaction["reference"],
                "currency": transaction["currency"],
                "amount": transaction["amount"],
                "charges": 40,
                "customization": {"title": "Techaven", "description": "", "logo": None},
                "meta": None,
                "authorization": {"channel": "Mobile Money", "provider": "Airtel Money"},
                "customer": {"email": None, "first_name": None, "last_name": None},
                "logs": [],
            },
        }

    def _payout(self, body: Any) -> tuple[int, Any]:
        missing = [
            name
            for name in ("mobile_money_operator_ref_id", "mobile", "amount", "charge_id")
            if not isinstance(body, dict) or not body.get(name)
        ]
        if missing:
            return 400, _validation_error(missing)
        operator = next(
            (o for o in OPERATORS if o["ref_id"] == body["mobile_money_operator_ref_id"]), None
        )
        if operator is None:
            return 400, _validation_error(["mobile_money_operator_ref_id"], "is invalid")
        if body["charge_id"] in self.payouts:
            return 400, _validation_error(["charge_id"], "has already been taken")
        payout = {
            "charge_id": body["charge_id"],
            "ref_id": str(next(self._ids)),
            "amount": int(Decimal(body["amount"])),
            "mobile": body["mobile"],
            "operator": operator["name"],
            "status": "pending",
        }
        self.payouts[body["charge_id"]] = payout
        return 200, {
            "status": "success",
            "message": "Payout processed successfully.",
            "data": self._payout_data(payout),
        }

    def _payout_details(self, charge_id: str) -> tuple[int, Any]:
        payout = self.payouts.get(charge_id)
        if payout is None:
            return 404, NOT_FOUND
        return 200, {
            "status": "success",
            "message": "Transaction retrieved successfully.",
            "data": self._payout_data(payout),
        }

    def _payout_data(self, payout: dict[str, Any]) -> dict[str, Any]:
        return {
            "amount": payout["amount"],
            "charge_id": payout["charge_id"],
            "ref_id": payout["ref_id"],
            "trans_id": None,
            "type": "API Payout",
            "status": payout["status"],
            "mobile": payout["mobile"],
            "attempts": 1,
            "currency": "MK",
            "mode": "sandbox",
            "event_type": "api.payout",
            "mobile_money": {"name": payout["operator"], "country": "Malawi"},
        }


def _validation_error(fields: list[str], problem: str = "field is required") -> dict[str, Any]:
    return {
        "message": {name: [f"The {name.replace('_', ' ')} {problem}."] for name in fields},
        "status": "failed",
        "data": None,
    }


def _handler_for(fake: FakePayChangu) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if fake.outage:
                self.close_connection = True  # hang up without a word
                return
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
            request = Request(
                method=self.command,
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                json=body,
            )
            status, answer = fake.answer(request)
            data = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

    return Handler
