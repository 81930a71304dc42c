"""Security finding 11: rate limits were dodged with X-Forwarded-For, which uvicorn believed
from any local address. `make serve` believes it only from `FORWARDED_ALLOW_IPS`, in both
of its processes: the sockets' uvicorn and the HTTP API's gunicorn (core/proxies.py)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from django.conf import settings

from tests.helpers.servers import make_serve_process, serve_command

ROOT = Path(settings.BASE_DIR)


def test_make_serve_believes_no_forwarded_header_by_default():
    _, command = serve_command(FORWARDED_ALLOW_IPS="")
    assert "--no-proxy-headers" in command and "--forwarded-allow-ips" not in command
    variables, _ = serve_command("gunicorn", FORWARDED_ALLOW_IPS="")
    assert variables["FORWARDED_ALLOW_IPS"] == ""


def test_make_serve_believes_the_configured_proxies_only():
    _, command = serve_command(FORWARDED_ALLOW_IPS="10.0.0.5")
    assert command[command.index("--forwarded-allow-ips") + 1] == "10.0.0.5"
    variables, _ = serve_command("gunicorn", FORWARDED_ALLOW_IPS="10.0.0.5")
    assert variables["FORWARDED_ALLOW_IPS"] == "10.0.0.5"


@pytest.mark.slow
@pytest.mark.parametrize("process", ["gunicorn", "uvicorn"])
def test_a_forged_forwarded_for_gets_no_fresh_budget(process):
    """Through each process started as `make serve` starts it, from 127.0.0.1 (where a
    local proxy would sit): the 11th sign-in attempt within the minute is refused, whatever
    address each one claims."""
    # one process: without Redis each process counts its own requests
    with make_serve_process(process, RATELIMIT_ENABLED="true", WEB_WORKERS="1") as server:
        base = server.url
        statuses = [
            httpx.post(
                f"{base}/techaven/api/auth/login",
                json={"email": "nobody@example.mw", "password": "wrong-password"},
                headers={"X-Forwarded-For": f"203.0.113.{i}"},
                timeout=10,
            ).status_code
            for i in range(11)
        ]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
