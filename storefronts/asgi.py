"""ASGI middleware in front of Django: `MAX_REQUEST_BODY_BYTES` on the bytes received.

Django's ASGIHandler reads the whole body (every `http.request` message, into a spooled
temporary file) before any middleware or view runs, and DRF reads a body only as long as
its `Content-Length` says, so a check of that header in a view comes too late and misses
chunked bodies (which have none). Here, before Django:

- a declared `Content-Length` over the limit is answered 413 before a byte of the body is
  read; otherwise the body streams through to Django, counted, and a server that delivers
  more than the limit meets the same 413 (Django is told the client went away);
- a body without a declared length (`Transfer-Encoding: chunked`) is read here up to the
  limit (413 the moment it is passed) and handed on with the `Content-Length` it turned
  out to have, so that Django and DRF read it as they read any other body.

The 413 is in the format of the storefront the path (or Host) belongs to and closes the
connection, so the server stops reading the rest.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator

from django.conf import settings

from .edge import error_body, storefront_for

TOO_LARGE = "Request body is too large."
REPLAY_CHUNK = 1024 * 1024


def _header(headers, name: bytes) -> bytes | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _declared_length(headers) -> int | None:
    """The body's `Content-Length`, or None when the length is not known beforehand."""
    if _header(headers, b"transfer-encoding") is not None:
        return None  # chunked: a Content-Length beside it means nothing (RFC 9112 6.3)
    raw = _header(headers, b"content-length")
    if raw is None or not raw.strip().isdigit():
        return None
    return int(raw)


def too_large(path: str, host: str, origin: str | None) -> tuple[list[tuple[str, str]], bytes]:
    """The 413's headers and body: in the format of the storefront the path (or Host)
    belongs to, closing the connection so that the server stops reading the rest. Django's
    CORS middleware never sees this answer, so a page on an allowed origin is let in here."""
    storefront = storefront_for(path, host)
    body = json.dumps(
        error_body(storefront, status=413, message=TOO_LARGE, code="PAYLOAD_TOO_LARGE"),
        separators=(",", ":"),
    ).encode()
    headers = [
        ("content-type", "application/json"),
        ("content-length", str(len(body))),
        ("connection", "close"),
    ]
    if storefront and origin and origin in settings.CORS_ALLOWED_ORIGINS:
        headers += [("access-control-allow-origin", origin), ("vary", "origin")]
    return headers, body


async def answer_too_large(scope, send) -> None:
    path = scope.get("path", "")
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    headers = scope.get("headers", [])
    host = (_header(headers, b"host") or b"").decode("latin1")
    origin = _header(headers, b"origin")
    answer, body = too_large(path, host, origin.decode("latin1") if origin else None)
    encoded = [(key.encode(), value.encode("latin1")) for key, value in answer]
    await send({"type": "http.response.start", "status": 413, "headers": encoded})
    await send({"type": "http.response.body", "body": body})


class RequestBodyLimit:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = settings.MAX_REQUEST_BODY_BYTES
        declared = _declared_length(scope.get("headers", []))
        if declared is None:
            await self._read_then_call(scope, receive, send, limit)
        elif declared > limit:
            await answer_too_large(scope, send)
        else:
            await self._stream(scope, receive, send, limit)

    async def _stream(self, scope, receive, send, limit: int) -> None:
        received = 0
        started = refused = False

        async def counted_receive():
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if not started and not refused:
                        refused = True
                        await answer_too_large(scope, send)
                    return {"type": "http.disconnect"}
            return message

        async def watched_send(message):
            nonlocal started
            if refused:
                return  # the 413 went out; the app answers a client it thinks has gone
            started = True
            await send(message)

        await self.app(scope, counted_receive, watched_send)

    async def _read_then_call(self, scope, receive, send, limit: int) -> None:
        message = await receive()
        if message["type"] != "http.request":
            return  # the client went away before the body was complete
        if not message.get("more_body", False):
            # the whole body in one message (so every request without one): nothing to spool
            size = len(message.get("body", b""))
            if size > limit:
                await answer_too_large(scope, send)
                return
            chunks = iter([message.get("body", b"")])
            await self.app(_with_length(scope, size), _replay(chunks, receive), send)
            return
        # spooled as Django spools it: in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE, then disk
        body = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)
        try:
            size = 0
            while True:
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    await answer_too_large(scope, send)
                    return
                body.write(chunk)
                if not message.get("more_body", False):
                    break
                message = await receive()
                if message["type"] != "http.request":
                    return
            body.seek(0)
            chunks = iter(lambda: body.read(REPLAY_CHUNK), b"")
            await self.app(_with_length(scope, size), _replay(chunks, receive), send)
        finally:
            body.close()


def _with_length(scope, size: int):
    """The scope with the body's real length in place of a chunked transfer."""
    headers = scope.get("headers", [])
    if not size and _header(headers, b"transfer-encoding") is None:
        return scope
    headers = [
        (key, value)
        for key, value in headers
        if key.lower() not in (b"content-length", b"transfer-encoding")
    ]
    if size:
        headers.append((b"content-length", str(size).encode()))
    return {**scope, "headers": headers}


def _replay(chunks: Iterator[bytes], receive):
    """`receive` for the app: the body read here, chunk by chunk, then whatever the client
    does next (a disconnect, when it comes)."""
    ahead = next(chunks, b"")
    done = False

    async def replay():
        nonlocal ahead, done
        if done:
            return await receive()
        chunk, following = ahead, next(chunks, None)
        if following is None:
            done = True
        else:
            ahead = following
        return {"type": "http.request", "body": chunk, "more_body": following is not None}

    return replay
