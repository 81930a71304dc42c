"""Issue 14's bench: Duka beside the floor of its stack, driven by wrk, checkout included.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/duka_bench \\
           REDIS_URL=redis://127.0.0.1:6379/7 CACHE_KEY_PREFIX=duka-bench
    make bench-data                  # once: migrate, then bench/generate.py's catalog
    .venv/bin/python bench/run.py    # = make bench; BENCH_ARGS="..." passes the options below
        [--seconds 8] [--rounds 2] [--warmup 1] [--connections 16] [--checkout-seconds 15]
        [--workers 2] [--threads 8]
        [--only WORDS] [--no-checkout] [--no-page-cache] [--wrk-cpus LIST] [--port 8301]

Needs wrk (Debian: `apt-get install wrk`), PostgreSQL and Redis. It

1. builds the signed-in world in the bench database (bench/world.py: readers with carts
   and orders, buyers with addresses and payment methods, their products' stock);
2. starts four servers: Duka as `make serve` serves it (the HTTP API on gunicorn's
   threaded WSGI workers, 2 × 8 threads as config/gunicorn.py, and its sockets process,
   uvicorn ASGI with 2 workers, whose /healthz is measured beside; DEBUG off, rate limits
   off, the connection pool, the page cache unless --no-page-cache) with its Celery worker
   as `make worker` runs it (it opens the orders' payments and relays their events), and
   the floor (bench/floor/: a bare Django app, no middleware) once the same way and once
   the best way the stack allows (gunicorn WSGI, 2 workers × 4 threads);
3. drives each GET scenario with wrk (bench/wrk/scenario.lua; one connection per wrk
   thread, 16 at a time) for --seconds, in --rounds where the scenarios take turns so that
   other jobs' load falls on all of them alike. "distinct" scenarios send a URL never asked
   before with each request (pages 1-200, many products, categories and search pages, each
   with a unique `_bench` parameter), so the page cache cannot answer; "cached" ones
   repeat a few URLs;
4. runs the checkouts once each (--checkout-seconds): 16 buyers on their own products, 16
   on one product, 16 paying through a provider that takes 200 ms (bench/providers.py),
   then a fixed catalog URL read while 8 buyers order (its X-Cache hits), then 16 buyers
   selling out one product of 10 units (--sellout-stock); each buyer adds one unit to the
   cart and checks out, again and again; the database then shows whether any stock was
   oversold and any order number repeated; PostgreSQL's lock waits are sampled meanwhile;
5. prints the table and the goals of issue 14, each with a verdict.

Columns: `req/s` (orders/s for a checkout) counts 2xx answers; `x hz`, `x json`, `x rows`
are that throughput over Duka's /healthz, the floor's JSON view and the floor's 20-row view
(both on gunicorn); `cpu ms` is the server processes' CPU (user + system, /proc) per answer,
`pg ms` that of the bench database's PostgreSQL backends, `wrk ms` the load generator's;
a checkout's figures are per order, its cart add, its payment's opening and its events'
relay by the worker included. `load` is the 1-minute load average at the end of the
scenario's runs. wrk shares the machine's cores with the servers: `--wrk-cpus 1` pins it
(taskset) to CPU 1, which on a 2-core machine only moves the competition; the `wrk ms`
column shows what it costs.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import math
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    ROOT,
    VENV_BIN,
    collectstatic,
    duka_env,
    load_average,
    processes_cpu_seconds,
    server_cpu_seconds,
    wait_ready,
)
from bench.report import (
    HEADER,
    Answers,
    Goal,
    Measurement,
    check_goal,
    check_hits,
    read_wrk_output,
    table_row,
    verdict,
)

LUA = ROOT / "bench" / "wrk" / "scenario.lua"
TH, CS = "/techaven/api", "/cryptoshop/api"

HEALTHZ = "Duka /healthz"
HEALTHZ_ASGI = "Duka /healthz, uvicorn (sockets process)"
TH_LIST = "TH list p1-200, distinct"
TH_LIST_CACHED = "TH list p1-10, cached"
TH_CATEGORY = "TH category by price, distinct"
TH_CATEGORY_CACHED = "TH category by price, cached"
TH_DETAIL = "TH product detail, distinct"
TH_DETAIL_CACHED = "TH product detail, cached"
TH_SEARCH = "TH search q=phone, distinct"
TH_SEARCH_CACHED = "TH search q=phone, cached"
CS_LIST = "CS list sorted p1-200, distinct"
CS_LIST_CACHED = "CS list sorted p1-10, cached"
TH_CART = "TH GET /cart (3 items), signed in"
TH_ORDERS = "TH GET /orders, signed in"
CS_ORDERS = "CS GET /orders, signed in"
FLOOR_JSON = "floor JSON, gunicorn 2x4 threads"
FLOOR_ROWS = "floor 20 rows, gunicorn 2x4 threads"
FLOOR_JSON_ASGI = "floor JSON, uvicorn 2 workers"
FLOOR_ROWS_ASGI = "floor 20 rows, uvicorn 2 workers"
CHECKOUT_SPREAD = "TH checkout, 16 buyers, own products"
CHECKOUT_ONE = "TH checkout, 16 buyers, one product"
CHECKOUT_SLOW = "TH checkout, 16 buyers, 200 ms provider"
CACHED_WHILE_ORDERING = "TH list p1 (fixed URL), 8 buyers ordering"
ORDERING_BESIDE = "  the 8 buyers' checkout meanwhile"
SELLOUT = "TH sell-out, 16 buyers, one product"
SIGNED_IN = [TH_CART, TH_ORDERS, CS_ORDERS]
CHECKOUTS = [CHECKOUT_SPREAD, CHECKOUT_ONE, CHECKOUT_SLOW, CACHED_WHILE_ORDERING, SELLOUT]

# issue 14's goals, as ratios of throughputs measured in this run
GOALS = [
    Goal(HEALTHZ, FLOOR_JSON, 0.5),
    Goal(TH_LIST, FLOOR_ROWS, 0.5),
    Goal(TH_LIST, HEALTHZ, 0.5),
    Goal(TH_CATEGORY, HEALTHZ, 0.5),
    Goal(TH_DETAIL, HEALTHZ, 0.5),
    Goal(TH_SEARCH, HEALTHZ, 1 / 3),
    Goal(CS_LIST, HEALTHZ, 0.5),
    Goal(TH_CART, HEALTHZ, 0.5),
    Goal(TH_ORDERS, HEALTHZ, 0.5),
    Goal(CS_ORDERS, HEALTHZ, 0.5),
    Goal(CHECKOUT_SPREAD, HEALTHZ, 0.25, p99_ms=1000),
    Goal(CHECKOUT_ONE, HEALTHZ, 0.15, p99_ms=1000),
    # "a 200 ms provider does not lower that": the same ratio, and (since the worker opens
    # the payments) within a tenth of the same checkout without the delay
    Goal(CHECKOUT_SLOW, HEALTHZ, 0.25, p99_ms=1000),
    Goal(CHECKOUT_SLOW, CHECKOUT_SPREAD, 0.9),
]
HITS_GOAL = 0.8


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    server: str  # "duka", "floor-wsgi" or "floor-asgi"
    lines: list[str]  # wrk's request lines: "path" or "path<TAB>token"
    distinct: bool = False  # a URL never asked before with each request


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


# --- servers ------------------------------------------------------------------------


def bench_env(page_cache: bool) -> dict[str, str]:
    """Duka's environment for the bench (bench/common.py's) and what checkout needs."""
    env = duka_env(page_cache=page_cache)
    env.setdefault("CACHE_KEY_PREFIX", "duka-bench")
    # buyers paying with TNM Mpamba wait on a provider that takes 200 ms to open a payment
    env["PAYMENT_PROVIDERS"] = json.dumps({"tnm_mpamba": "bench.providers.SlowSandboxProvider"})
    # every bench order waits in "pending payment": lift the per-account hoarding limits
    env["ORDERS_MAX_UNPAID_PER_ACCOUNT"] = env["ORDERS_MAX_UNPAID_UNITS_PER_ACCOUNT"] = "1000000"
    return env


def start_servers(
    env: dict[str, str], port: int, workers: int, threads: int, logs: Path
) -> list[Server]:
    """Duka (its HTTP and its sockets process) and the floor twice; their output goes to
    `logs`/<name>.log."""
    common = ["--host", "127.0.0.1", "--workers", str(workers), "--no-access-log",
              "--log-level", "warning"]  # fmt: skip
    floor = {**env, "DJANGO_SETTINGS_MODULE": "bench.floor.settings"}
    # Duka as `make serve` runs it: gunicorn's threaded workers for HTTP (config/gunicorn.py)
    # and uvicorn for the sockets, whose /healthz the bench measures too
    duka = {
        **env,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_WORKERS": str(workers),
        "WEB_THREADS": str(threads),
        "WEB_ACCESS_LOG": "false",
    }
    specs = [
        ("duka", port, duka, [str(VENV_BIN / "gunicorn"), "config.wsgi:application",
                              "--config", "config/gunicorn.py"]),
        ("duka-asgi", port + 3, env, [str(VENV_BIN / "uvicorn"), "config.asgi:application",
                                      "--port", str(port + 3), *common]),
        ("floor-asgi", port + 1, {**floor, "FLOOR_DATABASE_POOL": "true"},
         [str(VENV_BIN / "uvicorn"), "bench.floor.asgi:application", "--port",
          str(port + 1), *common]),
        ("floor-wsgi", port + 2, floor,
         [str(VENV_BIN / "gunicorn"), "bench.floor.wsgi:application", "--worker-class",
          "gthread", "--workers", str(workers), "--threads", "4", "--bind",
          f"127.0.0.1:{port + 2}", "--log-level", "warning"]),
        # the worker as `make worker` runs it: it opens the orders' payments and relays
        # their events. Tasks left queued by an earlier run are dropped first.
        ("duka-worker", 0, env, [str(VENV_BIN / "celery"), "-A", "config", "worker",
                                 "-l", "warning", "--without-mingle", "--without-gossip"]),
    ]  # fmt: skip
    redis.Redis.from_url(env["REDIS_URL"]).delete("celery", "payments")
    servers = []
    for name, p, server_env, cmd in specs:
        with (logs / f"{name}.log").open("w") as log:
            process = subprocess.Popen(cmd, cwd=ROOT, env=server_env, start_new_session=True,
                                       stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        servers.append(Server(name, p, process))
    try:
        for server in servers:
            if server.port:
                path = "/healthz" if server.name.startswith("duka") else "/json"
                wait_ready(server.base + path, server=server.process)
    except SystemExit:
        stop_servers(servers)
        for server in servers:
            print(f"--- {server.name}:", (logs / f"{server.name}.log").read_text()[-2000:])
        raise
    return servers


def stop_servers(servers: list[Server]) -> None:
    for server in servers:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGTERM)
    for server in servers:
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=10)


# --- measuring ----------------------------------------------------------------------


class Postgres:
    """The bench database's backends (their CPU) and what they wait on."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.conn = psycopg.connect(url, autocommit=True)

    def backend_pids(self) -> list[int]:
        rows = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        ).fetchall()
        return [pid for (pid,) in rows]

    def cpu(self) -> dict[int, float]:
        return processes_cpu_seconds(self.backend_pids())

    def wait_quiet(self, timeout: float = 60) -> None:
        """Until no backend of the bench database has run a statement for a second: the
        requests still in flight when wrk stopped have finished."""
        deadline, quiet_since = time.monotonic() + timeout, time.monotonic()
        while time.monotonic() < deadline:
            (active,) = self.conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND state = 'active' AND pid <> pg_backend_pid()"
            ).fetchone()
            now = time.monotonic()
            if active:
                quiet_since = now
            elif now - quiet_since >= 1:
                return
            time.sleep(0.1)

    def wait_worker_done(self, name: str, *, since: datetime.datetime, timeout: float = 120) -> str:
        """Until the worker has opened the payment of every order placed `since` through a
        provider (its `payment_reference` set, or the order cancelled because it could not
        be opened) and relayed every event since: how long that took after the buyers
        stopped."""
        started, waiting, pending = time.monotonic(), -1, -1
        while time.monotonic() - started < timeout:
            placed, waiting = self.conn.execute(
                "SELECT count(*), count(*) FILTER (WHERE payment_reference = ''"
                " AND status = 'pending') FROM orders_order"
                " WHERE created_at >= %s AND payment_url <> ''",
                [since],
            ).fetchone()
            # an event whose relay failed waits for beat's retry, which the bench does not
            # run: counted apart, not waited for
            events, pending, failing = self.conn.execute(
                "SELECT count(*), count(*) FILTER (WHERE delivered_at IS NULL AND failed_at IS"
                " NULL AND next_attempt_at IS NULL), count(*) FILTER (WHERE delivered_at IS NULL"
                " AND (failed_at IS NOT NULL OR next_attempt_at IS NOT NULL))"
                " FROM notifications_outboxevent WHERE created_at >= %s",
                [since],
            ).fetchone()
            if not waiting and not pending:
                break
            time.sleep(0.1)
        self.wait_quiet()
        took = time.monotonic() - started
        return (
            f"{verdict(not waiting and not pending and not failing)} {name.strip()}: the worker"
            f" opened the payments of {placed - waiting} of {placed} orders and relayed"
            f" {events - pending - failing} of {events} events ({failing} failed), the last"
            f" {took:.1f} s after the buyers stopped"
        )


class LockSampler(threading.Thread):
    """Every 100 ms, what the bench database's active backends wait on."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.samples = 0
        self.active = 0
        self.waits: Counter[str] = Counter()
        self._stop_event = threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self._stop_event.wait(0.1):
                rows = conn.execute(
                    "SELECT wait_event_type, wait_event FROM pg_stat_activity"
                    " WHERE datname = current_database() AND state = 'active'"
                    " AND pid <> pg_backend_pid()"
                ).fetchall()
                self.samples += 1
                self.active += len(rows)
                for kind, event in rows:
                    if kind is not None:
                        self.waits[f"{kind}:{event}"] += 1

    def stop(self) -> str:
        self._stop_event.set()
        self.join(timeout=5)
        if not self.samples:
            return "PostgreSQL: not sampled"
        locks = sum(n for event, n in self.waits.items() if event.startswith("Lock:"))
        top = ", ".join(f"{e} {n / self.samples:.1f}" for e, n in self.waits.most_common(4))
        return (
            f"PostgreSQL meanwhile: {self.active / self.samples:.1f} backends active on average,"
            f" {locks / self.samples:.1f} of them waiting on a lock ({top or 'no waits'})"
        )


@dataclass(frozen=True, slots=True)
class Load:
    """One wrk run: whom it asks what, how many at once, for how long."""

    base: str
    lines: list[str]  # "path" or "path<TAB>token"; checkout: one buyer's line each
    mode: str = "get"  # or "checkout"
    connections: int = 16
    seconds: float = 8
    nonce: str | None = None  # distinct URLs (scenario.lua)


def wrk_command(load: Load, cpus: str | None) -> list[str]:
    n = load.connections
    cmd = ["wrk", f"-t{n}", f"-c{n}", f"-d{max(1, round(load.seconds))}s", "--timeout", "30s",
           "-s", str(LUA), load.base]  # fmt: skip
    return ["taskset", "-c", cpus, *cmd] if cpus else cmd


def start_wrk(load: Load, workdir: Path, cpus: str | None) -> tuple[subprocess.Popen, Path]:
    """Start wrk; returns the process and the summary file it writes."""
    run = Path(tempfile.mkdtemp(dir=workdir))
    (run / "lines.tsv").write_text("\n".join(load.lines) + "\n")
    env = {**os.environ, "BENCH_MODE": load.mode, "BENCH_LINES": str(run / "lines.tsv"),
           "BENCH_OUT": str(run / "out.json"), "BENCH_THREADS": str(load.connections)}  # fmt: skip
    if load.nonce:
        env["BENCH_NONCE"] = load.nonce
    process = subprocess.Popen(wrk_command(load, cpus), env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)  # fmt: skip
    return process, run / "out.json"


def finish_wrk(process: subprocess.Popen, out: Path) -> tuple[dict, dict[str, Answers], float]:
    """Wait for wrk; (its summary, the answers by kind, its CPU seconds)."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0 or not out.exists():
        raise SystemExit(f"wrk failed ({process.returncode}): {stderr.strip()}")
    summary, answers = read_wrk_output(out)
    return summary, answers, usage.ru_utime + usage.ru_stime


@dataclass
class Bench:
    servers: dict[str, Server]
    pg: Postgres
    workdir: Path
    connections: int
    cpus: str | None
    nonce: str

    def load(self, scenario: Scenario, seconds: float, nonce: str | None) -> Load:
        return Load(self.servers[scenario.server].base, scenario.lines, "get",
                    self.connections, seconds, nonce if scenario.distinct else None)  # fmt: skip

    def measure(self, m: Measurement, scenario: Scenario, seconds: float) -> None:
        """Run one scenario once and add what it cost to `m`."""
        pid = self.servers[scenario.server].process.pid
        cpu0, pg0 = server_cpu_seconds(pid), self.pg.cpu()
        load = self.load(scenario, seconds, f"{self.nonce}{len(m.loads)}")
        summary, answers, client = finish_wrk(*start_wrk(load, self.workdir, self.cpus))
        cpu1, pg1 = server_cpu_seconds(pid), self.pg.cpu()
        m.add(summary["duration_us"] / 1e6, answers, cpu1 - cpu0, pg_delta(pg0, pg1), client,
              socket_errors(summary), os.getloadavg()[0])  # fmt: skip

    def warm(self, scenario: Scenario, seconds: float) -> None:
        load = self.load(scenario, seconds, f"{self.nonce}w")
        finish_wrk(*start_wrk(load, self.workdir, self.cpus))

    def checkout(
        self, name: str, buyers: list[str], seconds: float, reader: Scenario | None = None
    ) -> list[Measurement]:
        """Buyers order for `seconds`, and `reader`'s URLs are read meanwhile."""
        duka = self.servers["duka"]
        started_at = datetime.datetime.now(datetime.UTC)
        loads = [(Measurement(name, kind="order"),
                  Load(duka.base, buyers, "checkout", len(buyers), seconds))]  # fmt: skip
        if reader is not None:
            loads.append((Measurement(reader.name), self.load(reader, seconds, None)))
        worker = self.servers["duka-worker"]
        sampler = LockSampler(self.pg.url)
        cpu0, pg0 = server_cpu_seconds(duka.process.pid), self.pg.cpu()
        worker0 = server_cpu_seconds(worker.process.pid)
        sampler.start()
        started = [(m, start_wrk(load, self.workdir, self.cpus)) for m, load in loads]
        finished = [(m, *finish_wrk(*run)) for m, run in started]
        lock_line = sampler.stop()
        cpu, pg = server_cpu_seconds(duka.process.pid) - cpu0, pg_delta(pg0, self.pg.cpu())
        load_1 = os.getloadavg()[0]
        self.pg.wait_quiet()  # the orders in flight when wrk stopped, before anything else
        # the worker's share: its CPU until it has opened every payment and relayed every
        # event of the run
        opened_line = self.pg.wait_worker_done(name, since=started_at)
        cpu += server_cpu_seconds(worker.process.pid) - worker0
        if reader is not None:  # the server's CPU is the two loads', not one's
            answered = sum(sum(a.count for a in answers.values()) for _, _, answers, _ in finished)
            per = 1000 / max(1, answered)
            finished[0][0].notes.append(
                f"server CPU {cpu * per:.1f} ms, PostgreSQL's {pg * per:.1f} ms per answer,"
                f" reads and checkouts together ({answered} answers)"
            )
            cpu = pg = math.nan
        for m, summary, answers, client in finished:
            m.add(summary["duration_us"] / 1e6, answers, cpu, pg, client, socket_errors(summary),
                  load_1)  # fmt: skip
        finished[0][0].notes.extend([lock_line, opened_line])
        return [m for m, *_ in finished]


def pg_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU the backends spent between two readings (one that ended meanwhile is lost)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def socket_errors(summary: dict) -> int:
    e = summary["errors"]
    return e["connect"] + e["read"] + e["write"] + e["timeout"]


# --- what is asked ------------------------------------------------------------------


def tsv(path: Path) -> list[list[str]]:
    if not path.exists():
        return []
    return [line.split("\t") for line in path.read_text().splitlines() if line]


def get_scenarios(world: dict, worlddir: Path) -> list[Scenario]:
    """The GET scenarios: Duka's (distinct URLs and cached), signed-in reads, the floor."""
    th_tokens = [row[0] for row in tsv(worlddir / "readers_techaven.tsv")]
    cs_tokens = [row[0] for row in tsv(worlddir / "readers_cryptoshop.tsv")]
    signed_in = [
        Scenario(TH_CART, "duka", [f"{TH}/cart\t{t}" for t in th_tokens]),
        Scenario(TH_ORDERS, "duka", [f"{TH}/orders\t{t}" for t in th_tokens]),
        Scenario(CS_ORDERS, "duka", [f"{CS}/orders\t{t}" for t in cs_tokens]),
    ]
    ids = world["techaven_product_ids"]
    categories = world["techaven_categories"]
    th_pages = [f"{TH}/products?page={p}" for p in range(1, 201)]
    by_price = [f"{TH}/products?category_id={c}&sort=price&order=asc&page={p}"
                for p in range(1, 6) for c in categories]  # fmt: skip
    search = [f"{TH}/search?q=phone&page={p}" for p in range(1, 11)]
    cs_pages = [f"{CS}/products?sortBy=price&sortOrder=asc&page={p}" for p in range(1, 201)]
    rows = [f"/rows?page={p}" for p in range(1, 201)]
    return [
        Scenario(HEALTHZ, "duka", ["/healthz"]),
        Scenario(HEALTHZ_ASGI, "duka-asgi", ["/healthz"]),
        Scenario(TH_LIST, "duka", th_pages, distinct=True),
        Scenario(TH_LIST_CACHED, "duka", th_pages[:10]),
        Scenario(TH_CATEGORY, "duka", by_price, distinct=True),
        Scenario(TH_CATEGORY_CACHED, "duka", by_price[:10]),
        Scenario(TH_DETAIL, "duka", [f"{TH}/products/{i}" for i in ids], distinct=True),
        Scenario(TH_DETAIL_CACHED, "duka", [f"{TH}/products/{i}" for i in ids[:20]]),
        Scenario(TH_SEARCH, "duka", search, distinct=True),
        Scenario(TH_SEARCH_CACHED, "duka", search[:1]),
        Scenario(CS_LIST, "duka", cs_pages, distinct=True),
        Scenario(CS_LIST_CACHED, "duka", cs_pages[:10]),
        *(s for s in signed_in if s.lines),  # none without the world's users
        Scenario(FLOOR_JSON, "floor-wsgi", ["/json"]),
        Scenario(FLOOR_ROWS, "floor-wsgi", rows),
        Scenario(FLOOR_JSON_ASGI, "floor-asgi", ["/json"]),
        Scenario(FLOOR_ROWS_ASGI, "floor-asgi", rows),
    ]


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def build_world(env: dict[str, str], worlddir: Path, args: argparse.Namespace,
                users: bool) -> dict:  # fmt: skip
    """bench/world.py in the server's environment; without `users`, the catalog sample."""
    started = time.monotonic()
    cmd = [sys.executable, str(ROOT / "bench" / "world.py"), "--out", str(worlddir),
           "--buyers", str(args.connections), "--readers", str(args.connections),
           "--sellout-stock", str(args.sellout_stock)]  # fmt: skip
    # no worker runs yet: the world's orders open their payments as they are placed
    world_env = {**env, "CELERY_TASK_ALWAYS_EAGER": "true"}
    subprocess.run([*cmd, *([] if users else ["--catalog-only"])], cwd=ROOT, env=world_env,
                   check=True)  # fmt: skip
    progress(f"world built in {time.monotonic() - started:.0f} s")
    return json.loads((worlddir / "world.json").read_text())


# --- what the database shows after checkout -----------------------------------------


def check_orders(pg: Postgres, name: str, group: dict, answered: int) -> str:
    """Every 201 is one order in the database (plus at most one per buyer whose answer wrk
    did not wait for), and the units its orders hold are what the stock lost: no oversell,
    no lost update."""
    usernames, products, stock = group["usernames"], group["products"], group["stock"]
    placed, live = pg.conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE o.status <> 'cancelled') FROM orders_order o"
        " JOIN accounts_user u ON u.id = o.buyer_id WHERE u.username = ANY(%s)",
        [usernames],
    ).fetchone()
    held = dict(
        pg.conn.execute(
            "SELECT oi.product_id, sum(oi.quantity) FROM orders_orderitem oi"
            " JOIN orders_order o ON o.id = oi.order_id JOIN accounts_user u ON u.id = o.buyer_id"
            " WHERE u.username = ANY(%s) AND o.status <> 'cancelled' GROUP BY oi.product_id",
            [usernames],
        ).fetchall()
    )
    left = dict(
        pg.conn.execute(
            "SELECT id, stock_quantity FROM catalog_product WHERE id = ANY(%s)", [products]
        ).fetchall()
    )
    sold = sum(held.get(p, 0) for p in products)
    lost = sum(stock - left[p] for p in products)
    # an order in flight when wrk stopped is in the database without its answer
    ok = (
        answered <= placed <= answered + len(usernames)
        and all(left[p] >= 0 for p in products)
        and all(stock - left[p] == held.get(p, 0) for p in products)
        and all(held.get(p, 0) <= stock for p in products)
    )
    return (
        f"{verdict(ok)} {name.strip()}: {answered} orders answered 201, {placed} in the database"
        f" ({placed - live} cancelled); {sold} units held by them, {lost} gone from stock,"
        f" lowest stock {min(left.values())}: {'no oversell' if ok else 'OVERSOLD or lost'}"
    )


def check_numbers(pg: Postgres, run_start: datetime.datetime) -> str:
    total, repeated = pg.conn.execute(
        "SELECT count(*), count(*) - count(DISTINCT (storefront, number)) FROM orders_order"
        " WHERE created_at >= %s",
        [run_start],
    ).fetchone()
    ever = pg.conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM orders_order GROUP BY storefront, number"
        " HAVING count(*) > 1) d"
    ).fetchone()[0]
    return (
        f"{verdict(repeated == 0 and ever == 0)} order numbers: {total} orders placed in this run,"
        f" {repeated} numbers repeated among them, {ever} repeated in the whole database"
    )


# --- the run ------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8301, help="Duka's; the floor's +1, +2")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8, help="per Duka worker (gunicorn)")
    parser.add_argument("--seconds", type=float, default=8, help="per GET scenario and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warmup", type=float, default=1, help="seconds per GET scenario")
    parser.add_argument("--connections", type=int, default=16, help="and buyers per checkout")
    parser.add_argument("--checkout-seconds", type=float, default=15)
    parser.add_argument("--sellout-seconds", type=float, default=10)
    parser.add_argument("--sellout-stock", type=int, default=10)
    parser.add_argument("--only", default="", help="comma-separated words of scenario names")
    parser.add_argument("--no-checkout", action="store_true", help="GET scenarios only")
    parser.add_argument("--no-page-cache", action="store_true",
                        help="build every page (CATALOG_PAGE_CACHE=false)")  # fmt: skip
    parser.add_argument("--wrk-cpus", default=None, help="pin wrk with taskset -c LIST")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    return parser.parse_args()


def preflight() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to the PostgreSQL database bench/generate.py filled")
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("set REDIS_URL (the page cache and the sessions' cache live there)")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    if not (VENV_BIN / "gunicorn").exists():
        raise SystemExit("gunicorn is not installed: make install")
    return url


def selected(name: str, words: list[str]) -> bool:
    return not words or name == HEALTHZ or any(w in name.lower() for w in words)


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


def run(args: argparse.Namespace, url: str, workdir: Path) -> dict[str, Measurement]:
    env = bench_env(page_cache=not args.no_page_cache)
    collectstatic(env)
    words = [w.strip().lower() for w in args.only.split(",") if w.strip()]
    checkouts = [] if args.no_checkout else CHECKOUTS
    users = any(selected(name, words) for name in [*SIGNED_IN, *checkouts])
    world = build_world(env, workdir / "world", args, users)
    servers = start_servers(env, args.port, args.workers, args.threads, workdir)
    results: dict[str, Measurement] = {}
    try:
        bench = Bench({s.name: s for s in servers}, Postgres(url), workdir, args.connections,
                      args.wrk_cpus, secrets.token_hex(3))  # fmt: skip
        plan = [s for s in get_scenarios(world, workdir / "world") if selected(s.name, words)]
        print(f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {machine()},"
              f" load average {load_average()} at the start", flush=True)  # fmt: skip
        progress("warming up")
        for scenario in plan:
            bench.warm(scenario, args.warmup)
        for r in range(args.rounds):
            progress(f"round {r + 1} of {args.rounds}, {len(plan)} scenarios")
            for scenario in plan:
                m = results.setdefault(scenario.name, Measurement(scenario.name))
                bench.measure(m, scenario, args.seconds)
        if checkouts:
            results |= run_checkouts(bench, args, world, workdir / "world", words)
    finally:
        stop_servers(servers)
    return results


def run_checkouts(bench: Bench, args: argparse.Namespace, world: dict, worlddir: Path,
                  words: list[str]) -> dict[str, Measurement]:  # fmt: skip
    results: dict[str, Measurement] = {}
    groups = world["groups"]
    lines = {g: ["\t".join(r) for r in tsv(worlddir / f"buyers_{g}.tsv")] for g in groups}
    for name, group in ((CHECKOUT_SPREAD, "spread"), (CHECKOUT_ONE, "one"),
                        (CHECKOUT_SLOW, "slow")):  # fmt: skip
        if selected(name, words):
            progress(name)
            (m,) = bench.checkout(name, lines[group], args.checkout_seconds)
            m.notes.append(check_orders(bench.pg, name, groups[group], m.main.ok))
            results[name] = m
    if selected(CACHED_WHILE_ORDERING, words):
        progress(CACHED_WHILE_ORDERING)
        fixed = Scenario(CACHED_WHILE_ORDERING, "duka", [f"{TH}/products?page=1"])
        bench.warm(fixed, args.warmup)
        order, read = bench.checkout(
            ORDERING_BESIDE, lines["cached"], args.checkout_seconds, reader=fixed
        )
        order.notes.append(check_orders(bench.pg, ORDERING_BESIDE, groups["cached"], order.main.ok))
        results[CACHED_WHILE_ORDERING], results[ORDERING_BESIDE] = read, order
    if selected(SELLOUT, words):
        progress(SELLOUT)
        (m,) = bench.checkout(SELLOUT, lines["sellout"], args.sellout_seconds)
        codes = m.main.codes + m.answers.get("cart", Answers()).codes
        m.notes.append(check_orders(bench.pg, SELLOUT, groups["sellout"], m.main.ok))
        m.notes.append(f"       {SELLOUT}: {sum(codes.values())} refusals ({dict(codes)})")
        results[SELLOUT] = m
    return results


def print_report(results: dict[str, Measurement], args: argparse.Namespace,
                 pg: Postgres, run_start: datetime.datetime) -> None:  # fmt: skip
    healthz, fjson, frows = (results.get(n) for n in (HEALTHZ, FLOOR_JSON, FLOOR_ROWS))
    print(f"Duka: gunicorn {args.workers} workers x {args.threads} threads (sockets: uvicorn "
          f"{args.workers} workers), DEBUG=false, rate limits off, connection pool, "
          f"page cache {'off' if args.no_page_cache else 'on'}; GET scenarios "
          f"{args.rounds} x {args.seconds:g} s, checkouts {args.checkout_seconds:g} s; "
          f"{args.connections} connections (wrk -t{args.connections} -c{args.connections}"
          f"{', taskset -c ' + args.wrk_cpus if args.wrk_cpus else ''})")  # fmt: skip
    print(HEADER)
    print("-" * len(HEADER))
    for m in results.values():
        print(table_row(m, healthz, fjson, frows))
    print(f"load average {load_average()} at the end")
    print()
    for m in results.values():
        for note in m.notes:
            print(note if note.startswith(("ok", "MISSED", " ")) else f"       {m.name}: {note}")
    if any(m.kind == "order" for m in results.values()):
        print(check_numbers(pg, run_start))
    print()
    print("Goals of issue 14 (ratios of this run's throughputs):")
    for goal in GOALS:
        for line in check_goal(goal, results):
            print(line)
    if CACHED_WHILE_ORDERING in results:
        print(check_hits(CACHED_WHILE_ORDERING, results, HITS_GOAL))


def main() -> None:
    args = parse_args()
    url = preflight()
    run_start = datetime.datetime.now(datetime.UTC)
    workdir = Path(tempfile.mkdtemp(prefix="duka-bench-"))
    try:
        results = run(args, url, workdir)
        print_report(results, args, Postgres(url), run_start)
    finally:
        if args.keep:
            print(f"work directory kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
