"""What the benches share: Duka's production-like environment, server CPU from /proc, the
load average. Imported by bench/run.py (the wrk bench) and bench/catalog_httpx.py; not run
on its own.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
# the virtualenv's scripts (uvicorn, gunicorn) beside the Python that runs the bench
VENV_BIN = Path(sys.executable).parent
# BIP84's published test-vector zpub (wallet/bitcoin.py's DEVELOPMENT_ZPUB): development only
DEVELOPMENT_ZPUB = (
    "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf"
    "31mGDtKsAYz2oz2AGutZYs"
)


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _proc_table() -> tuple[dict[int, int], dict[int, float]]:
    """(pid → parent pid, pid → user + system CPU seconds) of every process (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    return parents, times


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU of the server process and all its descendants (Linux /proc)."""
    parents, times = _proc_table()
    family, todo = set(), [pid]
    while todo:
        current = todo.pop()
        family.add(current)
        todo.extend(p for p, parent in parents.items() if parent == current and p not in family)
    return sum(times.get(p, 0.0) for p in family)


def processes_cpu_seconds(pids: Iterable[int]) -> dict[int, float]:
    """User + system CPU of each of `pids` that still runs (e.g. PostgreSQL backends)."""
    _, times = _proc_table()
    return {pid: times[pid] for pid in pids if pid in times}


def duka_env(*, page_cache: bool, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a production-like Duka for benchmarking: DEBUG off, rate limits
    off (they would distort the figures), the connection pool, the sandboxes asked for
    explicitly (a benchmark moves no real money) and BIP84's test-vector key."""
    env = dict(os.environ if base is None else base)
    env.update(
        DEBUG="false",
        SECRET_KEY=env.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(48),
        RATELIMIT_ENABLED="false",
        LOG_LEVEL="WARNING",
        PAYMENTS_SANDBOX=env.get("PAYMENTS_SANDBOX", "true"),
        BTC_XPUB=env.get("BTC_XPUB") or DEVELOPMENT_ZPUB,
        # each in-flight request runs in a thread of its own under ASGI: a pool per worker
        # lends it a connection (BENCH_DATABASE_POOL=false: connect per request instead)
        DATABASE_POOL=env.get("BENCH_DATABASE_POOL", "true"),
        CONN_MAX_AGE="0",
        # public catalog pages from Redis until a write changes them (catalog/pagecache.py)
        CATALOG_PAGE_CACHE="true" if page_cache else "false",
    )
    return env


def collectstatic(env: Mapping[str, str]) -> None:
    """As `make serve` does: without it WhiteNoise warns that staticfiles/ is missing."""
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                   cwd=ROOT, env=dict(env), check=True)  # fmt: skip


def wait_ready(url: str, timeout: float = 90, server: subprocess.Popen | None = None) -> None:
    """Wait until `url` answers 200 (a server that exits first is reported at once)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            raise SystemExit(f"the server for {url} exited with {server.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not come up")
