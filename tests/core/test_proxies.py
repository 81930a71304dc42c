"""The WSGI workers believe `X-Forwarded-For` / `X-Forwarded-Proto` from the proxies named in
`FORWARDED_ALLOW_IPS` alone, as uvicorn does for the sockets process (core/proxies.py)."""

from __future__ import annotations

import pytest

from core.proxies import ProxyHeaders, TrustedProxies


def seen_by_django(trusted: str, peer: str, **headers: str) -> tuple[str, str]:
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        return [b""]

    environ = {"REMOTE_ADDR": peer, "wsgi.url_scheme": "http", **headers}
    ProxyHeaders(app, trusted)(environ, lambda *a: None)
    return seen["REMOTE_ADDR"], seen["wsgi.url_scheme"]


FORWARDED = {"HTTP_X_FORWARDED_FOR": "203.0.113.9", "HTTP_X_FORWARDED_PROTO": "https"}


def test_no_proxy_named_means_every_caller_is_its_own_address():
    assert seen_by_django("", "127.0.0.1", **FORWARDED) == ("127.0.0.1", "http")


def test_a_named_proxy_passes_the_client_and_scheme_on():
    assert seen_by_django("10.0.0.5", "10.0.0.5", **FORWARDED) == ("203.0.113.9", "https")
    assert seen_by_django("10.0.0.0/24", "10.0.0.7", **FORWARDED) == ("203.0.113.9", "https")


def test_anyone_else_sending_the_headers_changes_nothing():
    assert seen_by_django("10.0.0.5", "198.51.100.1", **FORWARDED) == ("198.51.100.1", "http")


def test_the_client_is_the_nearest_hop_that_is_not_a_trusted_proxy():
    """A client's own `X-Forwarded-For: 1.2.3.4` stays to the left of what the proxy adds."""
    chain = {"HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.9, 10.0.0.6"}
    assert seen_by_django("10.0.0.5,10.0.0.6", "10.0.0.5", **chain)[0] == "203.0.113.9"


def test_a_scheme_other_than_http_or_https_is_ignored():
    headers = {"HTTP_X_FORWARDED_PROTO": "gopher"}
    assert seen_by_django("10.0.0.5", "10.0.0.5", **headers) == ("10.0.0.5", "http")


def test_star_trusts_every_peer_and_a_bad_address_fails_at_start():
    assert "192.0.2.1" in TrustedProxies("*")
    assert "not-an-ip" not in TrustedProxies("10.0.0.0/8")
    with pytest.raises(ValueError):
        TrustedProxies("10.0.0.300")
