"""Real servers for the tests over HTTP: Duka's own `config.asgi:application` on uvicorn and
`config.wsgi:application` on gunicorn, with Duka's settings and the few the tests need
given as environment variables."""

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
    command = ["-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port",
               str(port), "--log-level", "warning"]  # fmt: skip
    with _running("uvicorn", command, port, server_env(database_url, **env)) as server:
        yield server


@contextmanager
def gunicorn_server(database_url: str, **env: str) -> Iterator[Server]:
    """Duka's HTTP API as `make serve` serves it (gunicorn, config/gunicorn.py) on a free
    port; `env` adds or overrides environment variables of the server."""
    port = free_port()
    server_vars = {"HOST": "127.0.0.1", "PORT": str(port), "WEB_WORKERS": "1",
                   "WEB_THREADS": "2", "WEB_ACCESS_LOG": "false", **env}  # fmt: skip
    command = ["-m", "gunicorn", "config.wsgi:application", "--config", "config/gunicorn.py"]
    with _running("gunicorn", command, port, server_env(database_url, **server_vars)) as server:
        yield server


@contextmanager
def _running(
    name: str, command: list[str], port: int, env: dict[str, str], executable: str = ""
) -> Iterator[Server]:
    """`command` run by `executable` (this Python by default) until the test is done, once
    its /healthz answers; its output goes to the Server's log."""
    log = Path(tempfile.mkstemp(prefix=f"duka-{name}-", suffix=".log")[1])
    with log.open("wb") as out:
        process = subprocess.Popen(
            [executable or sys.executable, *command],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited:\n{log.read_text()}")
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield Server(url=url, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve_command(process: str = "uvicorn", **make_vars: str) -> tuple[dict[str, str], list[str]]:
    """The environment assignments and command line of one of the processes `make serve`
    starts, `uvicorn` (the sockets) or `gunicorn` (the HTTP API), as `make -n` prints them."""
    assignments = [f"{k}={v}" for k, v in make_vars.items()]
    out = subprocess.run(
        ["make", "-n", "serve", *assignments], cwd=BASE_DIR, capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    [line] = [ln for ln in out.splitlines() if f"{process} config." in ln]
    words = shlex.split(line.rstrip(" \\").removesuffix("&"))
    env: dict[str, str] = {}
    while "=" in words[0] and not words[0].startswith(("-", "/", ".")):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    return env, words


PORT_VARIABLE = {"gunicorn": "PORT", "uvicorn": "SOCKET_PORT"}


@contextmanager
def make_serve_process(process: str, **env: str) -> Iterator[Server]:
    """One of `make serve`'s processes (`gunicorn`: the HTTP API, `uvicorn`: the sockets),
    started with the command line and variables `make serve` gives it, no proxy believed,
    on a free port and a fresh SQLite database without Redis; `env` adds variables."""
    port = free_port()
    variables, command = serve_command(
        process, FORWARDED_ALLOW_IPS="", HOST="127.0.0.1", **{PORT_VARIABLE[process]: str(port)}
    )
    command[0] = str(Path(sys.executable).with_name(process))
    server_vars = {**os.environ, **variables, "DATABASE_URL": migrated_sqlite_file(), **env}
    server_vars.pop("REDIS_URL", None)
    with _running(process, command[1:], port, server_vars, executable=command[0]) as server:
        yield server
