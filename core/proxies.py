"""The caller's address behind the proxies named in `FORWARDED_ALLOW_IPS`, for the WSGI
workers: what uvicorn's `--forwarded-allow-ips` does for the socket process.

A request whose peer (`REMOTE_ADDR`) is one of those proxies is from the last address of
its `X-Forwarded-For` that is not itself a trusted proxy (the one the nearest untrusted hop
gave); its scheme is that proxy's `X-Forwarded-Proto`. From anywhere else both headers are
what any client may send and change nothing, so rate limits and sign-in lockouts count each
caller by its own address (docs/decisions.md, "Rate limits").
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """`FORWARDED_ALLOW_IPS`: comma-separated addresses and networks, or `*` for any peer."""

    def __init__(self, spec: str) -> None:
        items = [item.strip() for item in spec.split(",") if item.strip()]
        self.any = "*" in items
        self.networks: list[Network] = []
        for item in items:
            if item != "*":
                self.networks.append(ipaddress.ip_network(item, strict=False))

    def __bool__(self) -> bool:
        return self.any or bool(self.networks)

    def __contains__(self, address: str) -> bool:
        if self.any:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def client(self, forwarded_for: str) -> str | None:
        """The nearest hop of `X-Forwarded-For` that is not a trusted proxy."""
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        for hop in reversed(hops):
            if hop not in self:
                return hop
        return hops[0] if hops else None


class ProxyHeaders:
    """WSGI middleware: `REMOTE_ADDR` and `wsgi.url_scheme` from the trusted proxies' headers."""

    def __init__(self, app: Callable, trusted: str) -> None:
        self.app = app
        self.trusted = TrustedProxies(trusted)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if self.trusted and environ.get("REMOTE_ADDR", "") in self.trusted:
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
            client = self.trusted.client(environ.get("HTTP_X_FORWARDED_FOR", ""))
            if client:
                environ["REMOTE_ADDR"] = client
        return self.app(environ, start_response)
