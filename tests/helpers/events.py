"""Helpers of tests.fixtures.events (not fixtures)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from accounts.services.sessions import techaven_session_start
from tests.conftest import CRYPTOSHOP


@dataclass
class Account:
    user: object
    token: str


def techaven_token(user) -> str:
    """A real Techaven access token for `user` (a real login session)."""
    return techaven_session_start(user=user).access_token


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class LocalServer:
    """A real HTTP server on 127.0.0.1 answering with `statuses` in turn (last one repeats)."""

    statuses: list[int] = field(default_factory=lambda: [200])
    response_body: bytes = b"{}"
    requests: list[Recorded] = field(default_factory=list)
    url: str = ""

    def answer(self) -> tuple[int, bytes]:
        index = min(len(self.requests) - 1, len(self.statuses) - 1)
        return self.statuses[index], self.response_body


def serve(state: LocalServer, responder=None) -> Iterator[LocalServer]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            state.requests.append(Recorded(self.path, dict(self.headers.items()), body))
            status, payload = (responder or (lambda s, b: s.answer()))(state, body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


SECRET = "receiver-secret"


def subscribe(client, receiver: LocalServer, events: list[str]) -> None:
    """Register `receiver` as the client's CryptoShop webhook (`POST /webhooks`), signed with
    SECRET."""
    response = client.post(
        f"{CRYPTOSHOP}/webhooks",
        {"url": receiver.url, "events": events, "secret": SECRET},
        format="json",
    )
    assert response.status_code == 201, response.content


def verified_bodies(receiver: LocalServer) -> list[dict]:
    """What the receiver got, each body checked against its SECRET signature first."""
    bodies = []
    for recorded in receiver.requests:
        expected = hmac.new(SECRET.encode(), recorded.body, hashlib.sha256).hexdigest()
        assert recorded.headers["X-Webhook-Signature"] == f"sha256={expected}"
        bodies.append(json.loads(recorded.body))
    return bodies


UNREGISTERED_TOKEN = "dead-token"


def _fcm_responder(state: LocalServer, body: bytes) -> tuple[int, bytes]:
    token = json.loads(body)["message"]["token"]
    if token == UNREGISTERED_TOKEN:
        error = {
            "error": {
                "code": 404,
                "message": "Requested entity was not found.",
                "status": "NOT_FOUND",
                "details": [
                    {
                        "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                        "errorCode": "UNREGISTERED",
                    }
                ],
            }
        }
        return 404, json.dumps(error).encode()
    if token == "busy-token":
        return 503, b'{"error": {"code": 503, "status": "UNAVAILABLE"}}'
    return 200, json.dumps({"name": "projects/duka-test/messages/1"}).encode()
