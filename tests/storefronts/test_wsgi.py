"""`MAX_REQUEST_BODY_BYTES` under the WSGI workers `make serve` runs: the same rule and the
same 413 as under ASGI (tests/storefronts/test_asgi.py), and a chunked body is read
(Django alone would see it empty). The middleware directly, then over a real gunicorn."""

from __future__ import annotations

import io
import json
import socket

import httpx
import pytest
from django.test import override_settings

from storefronts.wsgi import RequestBodyLimit
from tests.helpers.servers import gunicorn_server, migrated_sqlite_file

LIMIT = 1000


class Downstream:
    """The application behind the middleware: reads its declared body, answers 200."""

    def __init__(self) -> None:
        self.called = False
        self.environ: dict = {}
        self.body = b""

    def __call__(self, environ, start_response):
        self.called = True
        self.environ = environ
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.body = environ["wsgi.input"].read(length)
        start_response("200 OK", [])
        return [b"ok"]


class Stream(io.BytesIO):
    """`wsgi.input` that counts what was read of it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.taken = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk


def call(path: str, body: bytes, *, headers: dict[str, str] | None = None):
    app, stream, answer = Downstream(), Stream(body), {}

    def start_response(status, response_headers, exc_info=None):
        answer.update(status=int(status.split()[0]), headers=dict(response_headers))

    environ = {"PATH_INFO": path, "HTTP_HOST": "localhost", "wsgi.input": stream}
    environ.update(headers or {})
    content = b"".join(RequestBodyLimit(app)(environ, start_response))
    return app, answer["status"], content, answer["headers"], stream.taken


CHUNKED = {"HTTP_TRANSFER_ENCODING": "chunked"}


@override_settings(MAX_REQUEST_BODY_BYTES=LIMIT)
def test_a_declared_length_over_the_limit_answers_413_without_reading_the_body():
    big = {"CONTENT_LENGTH": "1200"}
    app, status, body, answer, taken = call("/cryptoshop/api/products", b"x" * 1200, headers=big)
    assert (status, taken, app.called) == (413, 0, False)
    assert json.loads(body) == {
        "success": False,
        "error": "Request body is too large.",
        "code": "PAYLOAD_TOO_LARGE",
        "details": {},
    }
    assert answer["content-type"] == "application/json"
    assert "connection" not in answer  # hop-by-hop: not a WSGI application's to send


@override_settings(MAX_REQUEST_BODY_BYTES=LIMIT, CORS_ALLOWED_ORIGINS=["https://shop.example"])
def test_the_413_reaches_a_page_on_an_allowed_origin_only():
    for origin, allowed in (("https://shop.example", True), ("https://elsewhere.example", False)):
        headers = {"CONTENT_LENGTH": "1200", "HTTP_ORIGIN": origin}
        *_, answer, _ = call("/techaven/api/auth/register", b"x" * 1200, headers=headers)
        assert (answer.get("access-control-allow-origin") == origin) is allowed


@override_settings(MAX_REQUEST_BODY_BYTES=LIMIT)
def test_a_chunked_body_over_the_limit_answers_413_having_read_one_byte_more():
    app, status, body, _, taken = call("/techaven/api/auth/login", b"y" * 4000, headers=CHUNKED)
    assert (status, taken, app.called) == (413, LIMIT + 1, False)
    assert json.loads(body) == {
        "success": False,
        "message": "Request body is too large.",
        "errors": {},
    }


@override_settings(MAX_REQUEST_BODY_BYTES=LIMIT)
def test_a_chunked_body_under_the_limit_reaches_the_app_whole_with_its_length():
    app, status, _, _, _ = call("/techaven/api/auth/login", b'{"a": "b"}', headers=CHUNKED)
    assert status == 200
    assert app.body == b'{"a": "b"}'
    assert app.environ["CONTENT_LENGTH"] == "10"
    assert "HTTP_TRANSFER_ENCODING" not in app.environ


@override_settings(MAX_REQUEST_BODY_BYTES=LIMIT)
def test_bodies_of_exactly_the_limit_and_without_one_are_accepted():
    app, status, *_ = call("/cryptoshop/api/x", b"a" * LIMIT, headers=CHUNKED)
    assert status == 200 and len(app.body) == LIMIT
    app, status, *_ = call("/cryptoshop/api/x", b"a" * LIMIT, headers={"CONTENT_LENGTH": "1000"})
    assert status == 200 and len(app.body) == LIMIT
    app, status, *_ = call("/techaven/api/products", b"")
    assert status == 200 and "CONTENT_LENGTH" not in app.environ


# --- over a real gunicorn ---------------------------------------------------------------

SMALL_LIMIT = 64 * 1024
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def server():
    database = migrated_sqlite_file()
    with gunicorn_server(database, MAX_REQUEST_BODY_BYTES=str(SMALL_LIMIT)) as running:
        yield running


def chunked(*parts: bytes):
    yield from parts


# small chunked JSON bodies read over a real gunicorn: tests/storefronts/test_asgi.py,
# test_small_chunked_json_bodies_are_read, on both servers


@pytest.mark.slow
def test_a_chunked_body_over_the_limit_answers_413(server):
    block = b"[" + b" " * (16 * 1024 - 1)
    response = httpx.post(
        f"{server.url}/techaven/api/auth/login",
        content=chunked(*[block] * 8),  # 128 KiB
        headers=JSON,
        timeout=30,
    )
    assert response.status_code == 413
    assert response.json() == {
        "success": False,
        "message": "Request body is too large.",
        "errors": {},
    }


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
        while b"\r\n\r\n" not in answer or len(answer.partition(b"\r\n\r\n")[2]) < 10:
            answer += raw.recv(65536)
            if answer.partition(b"\r\n\r\n")[2].endswith(b"}"):
                break
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 "), head
    assert json.loads(body)["code"] == "PAYLOAD_TOO_LARGE"
