"""Helpers of tests.fixtures.events (not fixtures)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

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


JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
SERVICE_ACCOUNT = "duka-push@duka-test.iam.gserviceaccount.com"
GOOGLE_TOKEN_ENDPOINT = "https://oauth2.googleapis.com/token"


def service_account_info(key: rsa.RSAPrivateKey, token_uri: str, **extra: str) -> dict:
    """A service-account key file's content, as the Firebase console hands it out."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return {
        "type": "service_account",
        "project_id": "duka-test",
        "private_key_id": "test-key-1",
        "private_key": pem,
        "client_email": SERVICE_ACCOUNT,
        "client_id": "1234567890",
        "token_uri": token_uri,
        **extra,
    }


@dataclass
class TokenServer(LocalServer):
    """Google's OAuth token endpoint stand-in: checks the signed JWT assertion of the
    service account and answers an access token (`minted`, in order)."""

    public_key: rsa.RSAPublicKey | None = None
    expires_in: int = 3600
    minted: list[str] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"


def _b64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _assertion_problem(state: TokenServer, form: dict[str, list[str]]) -> str | None:
    if form.get("grant_type") != [JWT_BEARER]:
        return f"grant_type {form.get('grant_type')}"
    header_part, claims_part, signature = form["assertion"][0].split(".")
    try:
        state.public_key.verify(
            _b64url(signature),
            f"{header_part}.{claims_part}".encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except InvalidSignature:
        return "bad signature"
    header, claims = json.loads(_b64url(header_part)), json.loads(_b64url(claims_part))
    now = time.time()
    if header.get("alg") != "RS256" or header.get("kid") != "test-key-1":
        return f"header {header}"
    # google-auth addresses the assertion to Google's token endpoint whatever the key's
    # `token_uri` (the one Google checks)
    if claims.get("iss") != SERVICE_ACCOUNT or claims.get("aud") != GOOGLE_TOKEN_ENDPOINT:
        return f"issuer or audience {claims}"
    if claims.get("scope") != FCM_SCOPE:
        return f"scope {claims.get('scope')}"
    if not claims["iat"] - 60 <= now < claims["exp"] <= claims["iat"] + 3600:
        return f"times {claims}"
    state.claims.append(claims)
    return None


def _token_responder(state: TokenServer, body: bytes) -> tuple[int, bytes]:
    problem = _assertion_problem(state, urllib.parse.parse_qs(body.decode()))
    if problem is not None:
        state.refusals.append(problem)
        return 400, json.dumps({"error": "invalid_grant", "error_description": problem}).encode()
    token = f"ya29.test-token-{len(state.minted) + 1}"
    state.minted.append(token)
    answer = {"access_token": token, "expires_in": state.expires_in, "token_type": "Bearer"}
    return 200, json.dumps(answer).encode()
