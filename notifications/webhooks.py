"""Webhook transport: body, signature, address checks and the HTTP call.

The signature is `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed
with the endpoint's secret>`, which the CryptoShop document's Node.js `verifyWebhook`
accepts. URLs whose host resolves to a loopback, private, link-local (cloud metadata),
shared, reserved or multicast address are refused, when the endpoint is created and
again at each delivery, where the request goes to the address that was checked (so a
DNS answer that changes in between, "DNS rebinding", cannot redirect it inside).
`WEBHOOKS_ALLOW_PRIVATE` turns the check off for local development and tests.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.core.serializers.json import DjangoJSONEncoder

from core.timefmt import api_datetime
from notifications import conf
from notifications.errors import NotificationError, NotificationErrorCode

SIGNATURE_HEADER = "X-Webhook-Signature"
USER_AGENT = "CryptoShop-Webhooks/1.0"


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def build_body(event: str, data: dict[str, Any], timestamp: datetime) -> str:
    payload = {"event": event, "timestamp": api_datetime(timestamp), "data": data}
    return json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":"))


def _unsafe(reason: str) -> NotificationError:
    return NotificationError(
        NotificationErrorCode.UNSAFE_WEBHOOK_URL, reason, field="url", details={"url": [reason]}
    )


# NAT64's well-known prefix carries an IPv4 address in its last 32 bits (RFC 6052), as the
# deprecated IPv4-compatible ::/96 does; the local-use 64:ff9b:1::/48 (RFC 8215) leads into
# the operator's own network.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


def _ipv4_inside(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one leads to (mapped, 6to4, Teredo's client, NAT64,
    IPv4-compatible): Python counts most of them global whatever IPv4 they carry."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64 or ip in _IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL:
            return False
        ip = _ipv4_inside(ip) or ip
    return ip.is_global and not ip.is_multicast


def resolve_public(url: str) -> list[str]:
    """The URL host's addresses, all public; raises NotificationError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _unsafe("Webhook URL must be an http(s) URL")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise _unsafe("Webhook URL host could not be resolved") from exc
    addresses = sorted({info[4][0] for info in infos})
    if not addresses or not all(_is_public(ipaddress.ip_address(a)) for a in addresses):
        raise _unsafe("Webhook URL must not point to a private or local address")
    return addresses


def check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _unsafe("Webhook URL must be an http(s) URL")
    if not conf.webhooks_allow_private():
        resolve_public(url)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    error: str


def post(url: str, body: str, secret: str) -> Outcome:
    """POST the signed body; 2xx is success, anything else (or no answer) a failure."""
    raw = body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(raw, secret),
    }
    extensions: dict[str, Any] = {}
    target = url
    try:
        if not conf.webhooks_allow_private():
            address = resolve_public(url)[0]
            parts = urlsplit(url)
            host = f"[{address}]" if ":" in address else address
            netloc = f"{host}:{parts.port}" if parts.port else host
            target = urlunsplit(parts._replace(netloc=netloc))
            headers["Host"] = parts.netloc.rsplit("@", 1)[-1]
            if parts.scheme == "https":
                extensions["sni_hostname"] = parts.hostname
        with httpx.Client(timeout=conf.webhook_timeout(), follow_redirects=False) as client:
            request = client.build_request(
                "POST", target, content=raw, headers=headers, extensions=extensions
            )
            response = client.send(request)
    except NotificationError as exc:
        return Outcome(ok=False, status_code=None, error=exc.message)
    except httpx.HTTPError as exc:
        return Outcome(ok=False, status_code=None, error=f"{type(exc).__name__}: {exc}"[:1000])
    if 200 <= response.status_code < 300:
        return Outcome(ok=True, status_code=response.status_code, error="")
    return Outcome(
        ok=False,
        status_code=response.status_code,
        error=f"HTTP {response.status_code}: {response.text[:500]}",
    )
