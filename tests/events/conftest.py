"""Fixtures of the events tests: users with tokens, a local webhook receiver, a fake FCM
server and real uvicorn servers (see `servers.py`) sharing the tests' database."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.db import connection

from accounts.factories import TechavenUserFactory
from accounts.services.cryptoshop_auth import cryptoshop_user_register
from accounts.services.sessions import techaven_session_start
from notifications import realtime
from tests.conftest import CRYPTOSHOP
from tests.events.servers import migrated_sqlite_file, uvicorn_server


@dataclass
class Account:
    user: object
    token: str


@pytest.fixture
def cs_account(db) -> Account:
    account = cryptoshop_user_register()
    return Account(user=account.user, token=account.access_token)


def techaven_token(user) -> str:
    """A real Techaven access token for `user` (a real login session)."""
    return techaven_session_start(user=user).access_token


@pytest.fixture
def th_account(db) -> Account:
    user = TechavenUserFactory()
    return Account(user=user, token=techaven_token(user))


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


@pytest.fixture
def receiver() -> Iterator[LocalServer]:
    """A webhook receiver; set `receiver.statuses` to choose its answers."""
    yield from serve(LocalServer())


@pytest.fixture
def allow_private(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True


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


@pytest.fixture
def pushed(monkeypatch) -> list[tuple[int, str, dict]]:
    """What the relay pushed to users' sockets: [(user_id, event, payload)]."""
    calls: list[tuple[int, str, dict]] = []

    def record(user_id, messages):
        calls.extend((user_id, name, payload) for name, payload in messages)

    monkeypatch.setattr(realtime, "push_to_user", record)
    return calls


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


@pytest.fixture
def fake_fcm(settings) -> Iterator[LocalServer]:
    """A local stand-in for FCM HTTP v1; `dead-token` is UNREGISTERED, `busy-token` 503."""
    for state in serve(LocalServer(), _fcm_responder):
        settings.PUSH_SENDER = "fcm"
        settings.FCM_PROJECT_ID = "duka-test"
        settings.FCM_BEARER_TOKEN = "test-bearer"
        settings.FCM_BASE_URL = state.url
        yield state


@pytest.fixture(scope="session")
def _sqlite_file() -> str:
    return migrated_sqlite_file()


@pytest.fixture(scope="module")
def database_url(request, django_db_setup) -> str:
    """The database the servers share with the tests (the test database on PostgreSQL)."""
    if not settings.USES_POSTGRES:
        return request.getfixturevalue("_sqlite_file")
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="module")
def server(database_url):
    """A real uvicorn server for the module; each test's own users are flushed after it."""
    with uvicorn_server(database_url) as running:
        yield running
