"""Real uvicorn servers for the events tests: Duka's own `config.asgi:application` and
settings, with the few settings the tests need given as environment variables."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BASE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url,
        # no worker runs in tests: the relay (and webhook sends) run in the server process
        CELERY_TASK_ALWAYS_EAGER="true",
        LOG_LEVEL="WARNING",
        # the tests' webhook receivers listen on 127.0.0.1
        WEBHOOKS_ALLOW_PRIVATE="true",
        # one server serves a whole module's clients, all from 127.0.0.1: the per-IP budget
        # (100 anonymous requests per 15 min) would make a test depend on those before it
        RATELIMIT_ENABLED="false",
        # so the test of a socket that never authenticates is short
        REALTIME_AUTH_GRACE_SECONDS="2",
        # a socket whose session ends must be closed by the revoke message, not by the
        # periodic re-check (the net), which a test that wants it turns on
        REALTIME_SESSION_RECHECK_SECONDS="600",
    )
    env.update(extra)
    return env


def migrated_sqlite_file() -> str:
    """A fresh, migrated SQLite file (the SQLite test database is in memory, unshareable)."""
    path = Path(tempfile.mkdtemp(prefix="duka-events-")) / "db.sqlite3"
    url = f"sqlite:///{path}"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env=server_env(url),
        check=True,
    )
    return url


@dataclass
class Server:
    url: str
    log: Path


@contextmanager
def uvicorn_server(database_url: str, **env: str) -> Iterator[Server]:
    """Duka on a free port; `env` adds or overrides environment variables of the server."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="duka-uvicorn-", suffix=".log")[1])
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=BASE_DIR,
            env=server_env(database_url, **env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"uvicorn exited:\n{log.read_text()}")
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield Server(url=url, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve_command(**make_vars: str) -> list[str]:
    """The uvicorn command line `make serve` runs (`make -n` prints it without running)."""
    assignments = [f"{k}={v}" for k, v in make_vars.items()]
    out = subprocess.run(
        ["make", "-n", "serve", *assignments], cwd=BASE_DIR, capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    [line] = [ln for ln in out.splitlines() if "uvicorn config.asgi:application" in ln]
    return shlex.split(line)
