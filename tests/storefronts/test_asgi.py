"""`MAX_REQUEST_BODY_BYTES` holds for the bytes actually received, chunked bodies included,
and a body without `Content-Length` is read like any other (issue 12, finding 4).

The ASGI middleware in front of Django is tested directly, then over a real uvicorn."""

from __future__ import annotations

import asyncio
import json
import socket
import time

import httpx
import pytest
from django.test import override_settings

from storefronts.asgi import RequestBodyLimit
from tests.helpers.servers import gunicorn_server, migrated_sqlite_file, uvicorn_server

LIMIT = 1000


class Downstream:
    """The application behind the middleware: reads the whole body, answers 200."""

    def __init__(self) -> None:
        self.called = False
        self.scope: dict = {}
        self.body = b""

    async def __call__(self, scope, receive, send):
        self.called = True
        self.scope = scope
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            self.body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def call(path: str, chunks: list[bytes], *, headers=(), host: str = "localhost"):
    """Run the middleware once; what the client sent is `chunks`, one message each."""
    app = Downstream()
    queue = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    taken: list[int] = []
    sent: list[dict] = []

    async def receive():
        if queue:
            taken.append(1)
            return queue.pop(0)
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", host.encode()), *headers],
    }
    asyncio.run(RequestBodyLimit(app)(scope, receive, send))
    status = sent[0]["status"] if sent else None
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return app, status, body, dict(sent[0]["headers"]) if sent else {}, len(taken)


def length(n: int) -> tuple[bytes, bytes]:
    return (b"content-length", str(n).encode())


CHUNKED = (b"transfer-encoding", b"chunked")


@override_settings(MAX_REQUEST_BODY_BYTES=LIMIT)
def test_a_declared_length_over_the_limit_answers_413_before_reading_the_body():
    app, status, body, headers, reads = call(
        "/cryptoshop/api/products", [b"x" * 600, b"x" * 600], headers=[length(1200)]
    )
    assert (status, reads, app.called) == (413, 0, False)
    assert json.loads(body) == {
        "success": False,
        "error": "Request body is too large.",
        "code": "PAYLOAD_TOO_LARGE",
        "details": {},
    }
    # the rest of the body is not read: the connection closes after the answer
    assert headers[b"connection"] == b"close"
    assert headers[b"content-type"] == b"application/json"


@override_settings(MAX_REQUEST_BODY_BYTES=LIMIT, CORS_ALLOWED_ORIGINS=["https://shop.example"])
def test_the_413_reaches_a_page_on_an_allowed_origin():
    """Answered before Django, so before its CORS middleware: the same origins, here."""
    for origin, allowed in (("https://shop.example", True), ("https://elsewhere.example", False)):
        headers = [length(1200), (b"origin", origin.encode())]
        *_, answer, _ = call("/techaven/api/auth/register", [b"x" * 1200], headers=headers)
        assert (answer.get(b"access-control-allow-origin") == origin.encode()) is allowed
    seller = [length(1200), (b"origin", b"https://shop.example")]
    *_, answer, _ = call("/seller/api/products/", [b"x" * 1200], headers=seller)
    assert b"access-control-allow-origin" not in answer


@override_settings(MAX_REQUEST_BODY_BYTES=LIMIT)
def test_a_chunked_body_over_the_limit_answers_413_once_the_limit_is_passed():
    chunks = [b"y" * 400] * 10  # 4000 bytes; the limit is passed in the third
    app, status, body, _, reads = call("/techaven/api/auth/login", chunks, headers=[CHUNKED])
    assert (status, reads, app.called) == (413, 3, False)
    assert json.loads(body) == {
        "success": False,
        "message": "Request body is too large.",
        "errors": {},
    }


@override_settings(MAX_REQUEST_BODY_BYTES=LIMIT)
def test_a_body_longer_than_declared_is_refused_when_it_passes_the_limit():
    """A server that delivered more than `Content-Length` still meets the limit: the app is
    told the client went away and the client gets the 413."""
    chunks = [b"z" * 600, b"z" * 600]
    app, status, body, _, _ = call("/cryptoshop/api/products", chunks, headers=[length(10)])
    assert status == 413
    assert app.called and app.body == b"z" * 600  # what came before the limit, then a disconnect
    assert json.loads(body)["code"] == "PAYLOAD_TOO_LARGE"


@override_settings(MAX_REQUEST_BODY_BYTES=LIMIT)
def test_a_chunked_body_under_the_limit_reaches_the_app_whole_with_its_length():
    chunks = [b'{"a": ', b'"b"', b"}"]
    app, status, _, _, _ = call("/techaven/api/auth/login", chunks, headers=[CHUNKED])
    assert status == 200
    assert app.body == b'{"a": "b"}'
    headers = app.scope["headers"]
    assert (b"content-length", b"10") in headers
    assert not [h for h in headers if h[0] == b"transfer-encoding"]


@override_settings(MAX_REQUEST_BODY_BYTES=LIMIT)
def test_a_body_of_exactly_the_limit_is_accepted():
    app, status, _, _, _ = call("/cryptoshop/api/x", [b"a" * 500, b"a" * 500], headers=[CHUNKED])
    assert status == 200 and len(app.body) == LIMIT


@override_settings(MAX_REQUEST_BODY_BYTES=LIMIT)
def test_a_bodiless_request_passes_unchanged():
    app, status, _, _, _ = call("/techaven/api/products", [b""])
    assert status == 200
    assert [h for h in app.scope["headers"] if h[0] == b"content-length"] == []


@override_settings(
    MAX_REQUEST_BODY_BYTES=LIMIT,
    TECHAVEN_HOSTS=["api.techaven.test"],
    CRYPTOSHOP_HOSTS=["api.cryptoshop.test"],
)
def test_the_413_is_in_the_format_of_the_storefront_the_host_serves_and_json_elsewhere():
    big = [b"q" * (LIMIT + 1)]
    _, _, th, _, _ = call("/api/auth/login", big, headers=[CHUNKED], host="api.techaven.test")
    cs_host = "api.cryptoshop.test:8443"
    _, _, cs, _, _ = call("/api/auth/login", big, headers=[CHUNKED], host=cs_host)
    _, _, other, _, _ = call("/seller/api/products", big, headers=[CHUNKED])
    assert set(json.loads(th)) == {"success", "message", "errors"}
    assert json.loads(cs)["code"] == "PAYLOAD_TOO_LARGE"
    assert json.loads(other) == {"detail": "Request body is too large."}


def test_websocket_scopes_pass_through():
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["type"])

    asyncio.run(RequestBodyLimit(app)({"type": "websocket", "path": "/ws"}, None, None))
    assert seen == ["websocket"]


# --- over a real server -----------------------------------------------------------------

SMALL_LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def server():
    with uvicorn_server(migrated_sqlite_file(), MAX_REQUEST_BODY_BYTES=str(SMALL_LIMIT)) as running:
        yield running


def chunked(*parts: bytes):
    yield from parts


JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module", params=["uvicorn", "gunicorn"])
def either_server(request):
    """Both servers `make serve` runs: chunked bodies are read by each alike."""
    start = uvicorn_server if request.param == "uvicorn" else gunicorn_server
    with start(migrated_sqlite_file(), MAX_REQUEST_BODY_BYTES=str(SMALL_LIMIT)) as running:
        yield running


@pytest.mark.slow
def test_small_chunked_json_bodies_are_read(either_server):
    server = either_server
    register = httpx.post(
        f"{server.url}/cryptoshop/api/auth/register", content=chunked(b"{", b"}"), headers=JSON
    )
    assert register.status_code == 201, register.text
    token = register.json()["data"]["accessToken"]
    body = json.dumps({"accessToken": token}).encode()
    login = httpx.post(
        f"{server.url}/cryptoshop/api/auth/login",
        content=chunked(body[:10], body[10:]),
        headers=JSON,
    )
    assert login.status_code == 200, login.text
    assert login.json()["data"]["user"]["id"] == register.json()["data"]["id"]
    # Techaven reads the fields (an unknown account: 401, not 400 "field required")
    th = httpx.post(
        f"{server.url}/techaven/api/auth/login",
        content=chunked(b'{"email": "nobody@example.com", ', b'"password": "secret123"}'),
        headers=JSON,
    )
    assert th.status_code == 401, th.text


@pytest.mark.slow
def test_a_huge_chunked_body_answers_413_at_once_without_being_read(server):
    sent = 0

    def fifty_megabytes():
        nonlocal sent
        block = b"[" + b" " * (64 * 1024 - 1)
        for _ in range(800):
            sent += len(block)
            yield block

    started = time.monotonic()
    response = httpx.post(
        f"{server.url}/techaven/api/auth/login",
        content=fifty_megabytes(),
        headers=JSON,
        timeout=30,
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 413
    assert response.json() == {
        "success": False,
        "message": "Request body is too large.",
        "errors": {},
    }
    assert elapsed < 10
    # the server stopped reading: the client could not push the 50 MB through
    assert sent < 50 * 1024 * 1024 / 2, sent


@pytest.mark.slow
def test_a_declared_length_over_the_limit_answers_413_before_the_body(server):
    """Headers announcing 50 MB, and no body at all: the answer does not wait for it."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall(
            b"POST /cryptoshop/api/auth/login HTTP/1.1\r\n"
            b"Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 52428800\r\n\r\n"
        )
        answer = b""
        while chunk := raw.recv(65536):  # the server closes after answering
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 "), head
    assert json.loads(body)["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.slow
def test_a_chunked_multipart_upload_is_read_and_refused_at_the_limit(server):
    files = {"avatar": ("a.png", b"\x89PNG" + b"0" * (2 * SMALL_LIMIT), "image/png")}
    request = httpx.Request("POST", f"{server.url}/techaven/api/user/avatar", files=files)
    body = request.read()
    boundary = request.headers["content-type"]
    response = httpx.post(
        f"{server.url}/techaven/api/user/avatar",
        content=chunked(body[:1000], body[1000:]),
        headers={"content-type": boundary},
    )
    assert response.status_code == 413
    assert set(response.json()) == {"success", "message", "errors"}
