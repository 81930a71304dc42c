"""Which browser origins may use Duka from another site: one rule for HTTP (django-cors-headers),
Socket.IO and the Channels WebSocket at `/ws/`.

`CORS_ALLOWED_ORIGINS` lists them (`scheme://host[:port]`, from the environment; empty
unless `DEBUG` gives a few local development servers). HTTP: the storefront APIs answer
those origins' preflights and expose the headers their clients read
(`StorefrontCorsMiddleware`, settings `CORS_*`). Sockets: browsers send `Origin` on every
WebSocket and Socket.IO handshake and apply no same-origin policy to them, so the server
checks it: a listed origin or the page's own host is accepted, any other refused. A client
that sends no `Origin` is no browser (a mobile app, a server) and is let through, as for HTTP.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Any]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def allowed_origins() -> list[str]:
    return list(getattr(settings, "CORS_ALLOWED_ORIGINS", []))


def _host_port(scheme: str, netloc: str) -> tuple[str, int | None] | None:
    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return parts.hostname.lower(), port or _DEFAULT_PORTS.get(scheme)


def origin_allowed(origin: str | None, host: str | None) -> bool:
    """May a page from `origin` talk to this server, reached as `host` (the Host header)?
    No origin: no browser, yes. Listed in `CORS_ALLOWED_ORIGINS`, or the same host and port
    as the server's own (the scheme is not compared: behind a proxy that ends TLS the server
    sees http while the page is https): yes. Anything else, `null` included: no."""
    if origin is None:
        return True
    origin = origin.strip()
    if origin in allowed_origins():
        return True
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    if (
        parts.scheme not in _DEFAULT_PORTS
        or "@" in parts.netloc
        or origin != f"{parts.scheme}://{parts.netloc}"
        or not host
    ):
        return False  # not an origin (a path, user info) or nothing to compare it with
    own = _host_port(parts.scheme, parts.netloc)
    return own is not None and own == _host_port(parts.scheme, host)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin1")
    return None


class WebSocketOriginGate:
    """ASGI middleware for the Channels WebSocket routes: a handshake from an origin that
    `origin_allowed` refuses is closed before it is accepted (the server answers 403)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] == "websocket" and not origin_allowed(
            _header(scope, b"origin"), _header(scope, b"host")
        ):
            message = await receive()
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.close", "code": 403})
            return
        await self.app(scope, receive, send)


def socketio_origin_allowed(origin: str | None, environ: dict[str, Any]) -> bool:
    """python-socketio's `cors_allowed_origins` callable (Engine.IO asks it with the
    handshake's WSGI-style environ)."""
    return origin_allowed(origin, environ.get("HTTP_HOST"))
