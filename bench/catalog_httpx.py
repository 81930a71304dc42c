"""Load-test the catalog endpoints as they run in production, with httpx (`make bench-catalog`).

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/catalog_httpx.py
        [--port 8301] [--workers 2] [--requests 2000] [--concurrency 16] [--rounds 4]
        [--only WORDS] [--no-page-cache]

Starts uvicorn with several workers (DEBUG=false, a throwaway SECRET_KEY, rate limits
off so they cannot distort the figures: RATELIMIT_ENABLED=false), waits for /healthz,
then sends a fixed number of requests per scenario with httpx (async, concurrent), in
rounds where the scenarios take turns (so that other jobs on the machine weigh on all of
them alike), and prints requests/s, p50 and p99 latency, the throughput as a ratio of
`/healthz` (the cheapest endpoint of the same stack) and `cpu ms`, the CPU time the
server's processes spent per request (user + system; PostgreSQL and the client are not
included), then checks the goals (docs/bench.md). The client runs on the same machine,
so the ratios and the CPU figures, not the raw requests/s, are what compare between
machines and runs. Generate a catalog first with bench/generate.py.

`--only` runs just the scenarios whose name contains one of the comma-separated words
(the baseline always runs), e.g. `--only search` while working on search.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    ROOT,
    VENV_BIN,
    collectstatic,
    duka_env,
    load_average,
    server_cpu_seconds,
    wait_ready,
)


def start_server(port: int, workers: int, page_cache: bool) -> subprocess.Popen:
    env = duka_env(page_cache=page_cache)
    # this bench's pages apart from other runs' (CACHE_KEY_PREFIX, then "-bench")
    env["CACHE_KEY_PREFIX"] = env.get("CACHE_KEY_PREFIX", "bench") + "-bench"
    collectstatic(env)
    cmd = [str(VENV_BIN / "uvicorn"), "config.asgi:application", "--host", "127.0.0.1",
           "--port", str(port), "--workers", str(workers), "--no-access-log",
           "--log-level", "warning"]  # fmt: skip
    return subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)


async def run_scenario(base: str, urls, start: int, count: int, concurrency: int, warm: bool):
    """Send requests `start` … `start + count - 1` (`urls` maps i to a path), `concurrency`
    at a time; returns the latencies, the elapsed time, the non-200 answers and how many
    answers came from the page cache (`X-Cache: hit`)."""
    latencies: list[float] = []
    errors: list[str] = []
    hits = 0
    next_i = start
    end = start + count
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker():
            nonlocal next_i, hits
            while next_i < end:
                i = next_i
                next_i += 1
                t0 = time.perf_counter()
                try:
                    response = await client.get(urls(i))
                    status = response.status_code
                    hits += response.headers.get("X-Cache") == "hit"
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                latencies.append(time.perf_counter() - t0)
                if status != 200:
                    errors.append(f"{urls(i)} -> {status}")

        if warm:  # every worker's connections and caches, before the first round
            for i in range(min(concurrency, 20)):
                await client.get(urls(i))
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return latencies, elapsed, errors, hits


def summarise(latencies: list[float], elapsed: float, errors: list[str]) -> dict:
    latencies = sorted(latencies)
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
    }


def scenarios(base: str) -> list[tuple[str, object]]:
    th, cs = "/techaven/api", "/cryptoshop/api"
    sample = httpx.get(f"{base}{th}/products", params={"limit": 100}, timeout=30).json()
    products = sample["data"]["products"]
    total = sample["data"]["pagination"]["total_items"]
    if total < 10_000:
        raise SystemExit(
            f"the catalog has {total} Techaven products: fill it first with "
            "bench/generate.py (make bench-data)"
        )
    product_ids = [p["id"] for p in products]
    categories = httpx.get(f"{base}{th}/categories", timeout=30).json()["data"]["categories"]
    category = categories[0]["id"]
    words = sorted({p["name"].split()[0].lower() for p in products} | {"iphnoe", "samsnug"})
    models = sorted({" ".join(p["name"].split()[:2]).lower() for p in products})
    prefixes = sorted({p["name"][:3].lower() for p in products})
    deep = max(1, total // 20 // 2)  # the middle page of the whole catalog
    cs_list = f"{cs}/products?sortBy=price&sortOrder=asc"
    cs_total = httpx.get(f"{base}{cs_list}", timeout=30).json()["pagination"]["total"]
    cs_deep = max(1, cs_total // 12 // 2)
    rnd = random.Random(1)
    return [
        ("baseline /healthz", lambda i: "/healthz"),
        ("TH products (plain)", lambda i: f"{th}/products"),
        ("TH products (filtered)",
         lambda i: f"{th}/products?category_id={category}&min_price=100000&max_price=900000"),
        ("TH products (sorted price asc)", lambda i: f"{th}/products?sort=price&order=asc"),
        ("TH products (sorted, page 1)", lambda i: f"{th}/products?sort=rating&order=desc"),
        (f"TH products (sorted, page {deep})",
         lambda i: f"{th}/products?sort=rating&order=desc&page={deep}"),
        ("TH product detail", lambda i: f"{th}/products/{product_ids[i % len(product_ids)]}"),
        ("TH search", lambda i: f"{th}/search?q={rnd.choice(words + models)}"),
        ("TH search suggestions", lambda i: f"{th}/search/suggestions?q={rnd.choice(prefixes)}"),
        ("CS products (filters+sort)",
         lambda i: f"{cs}/products?category=Services&minPrice=0.0001&maxPrice=0.04"
                   "&sortBy=popularity&sortOrder=desc"),
        ("CS products (sorted, page 1)", lambda i: cs_list),
        (f"CS products (sorted, page {cs_deep})", lambda i: f"{cs_list}&page={cs_deep}"),
    ]  # fmt: skip


# (scenario name starts with, least ratio to the baseline's requests/s): docs/bench.md
THROUGHPUT_GOALS = [
    ("TH products", 0.5),
    ("TH product detail", 0.5),
    ("CS products", 0.5),
    ("TH search", 1 / 3),
]


def check_goals(results: dict[str, dict], baseline: float) -> list[str]:
    """One line per goal; deep pages are compared with page 1 of the same list (p50)."""
    lines = []
    for name, result in results.items():
        least = next((g for prefix, g in THROUGHPUT_GOALS if name.startswith(prefix)), None)
        if least is not None:
            ratio = result["rps"] / baseline
            verdict = "ok" if ratio >= least else "MISSED"
            lines.append(f"{verdict:<6} {name}: {ratio:.2f} x base (goal >= {least:.2f})")
        if "page" in name and "page 1)" not in name:
            first = next((r for n, r in results.items() if n == name.split(", page")[0]
                          + ", page 1)"), None)  # fmt: skip
            if first is not None:
                slower = result["p50"] / first["p50"]
                verdict = "ok" if slower <= 2 else "MISSED"
                lines.append(f"{verdict:<6} {name}: p50 {slower:.2f} x page 1 (goal <= 2.00)")
        if result["errors"]:
            lines.append(f"ERRORS {name}: {result['errors']}, first: {result['first_error']}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8301)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=4, help="turns the scenarios take")
    parser.add_argument("--only", default="", help="comma-separated words of scenario names")
    parser.add_argument("--no-page-cache", action="store_true",
                        help="build every page (CATALOG_PAGE_CACHE=false)")  # fmt: skip
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to the PostgreSQL database bench/generate.py filled")
    base = f"http://127.0.0.1:{args.port}"
    server = start_server(args.port, args.workers, page_cache=not args.no_page_cache)
    try:
        wait_ready(f"{base}/healthz", server=server)
        plan = scenarios(base)
        words = [w.strip().lower() for w in args.only.split(",") if w.strip()]
        if words:
            plan = plan[:1] + [p for p in plan[1:] if any(w in p[0].lower() for w in words)]
        print(f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {os.cpu_count()} CPUs,"
              f" load average {load_average()} at the start")  # fmt: skip
        print(f"{args.workers} uvicorn workers, DEBUG=false, RATELIMIT_ENABLED=false, "
              f"page cache {'off' if args.no_page_cache else 'on'}, "
              f"{args.requests} requests per scenario in {args.rounds} rounds, "
              f"concurrency {args.concurrency}")  # fmt: skip
        header = (
            f"{'scenario':<34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'x base':>7}"
            f" {'cpu ms':>7} {'hits':>5} {'err':>4}"
        )
        print(header)
        print("-" * len(header))
        # the scenarios take turns, a share of each one's requests per round, so that a
        # change in the machine's load (other jobs) falls on all of them alike
        samples = {name: ([], 0.0, [], 0.0, 0) for name, _ in plan}
        for r in range(args.rounds):
            lo, hi = args.requests * r // args.rounds, args.requests * (r + 1) // args.rounds
            for name, urls in plan:
                cpu = server_cpu_seconds(server.pid)
                latencies, elapsed, errors, hits = asyncio.run(
                    run_scenario(base, urls, lo, hi - lo, args.concurrency, warm=r == 0)
                )
                spent = server_cpu_seconds(server.pid) - cpu
                before = samples[name]
                samples[name] = (before[0] + latencies, before[1] + elapsed,
                                 before[2] + errors, before[3] + spent,
                                 before[4] + hits)  # fmt: skip
        baseline = None
        results: dict[str, dict] = {}
        for name, (latencies, elapsed, errors, spent, hits) in samples.items():
            result = results[name] = summarise(latencies, elapsed, errors)
            sent = args.requests + min(args.concurrency, 20)  # with the warm-up requests
            result["cpu"] = spent / sent * 1000
            baseline = baseline or result["rps"]
            ratio = result["rps"] / baseline
            print(f"{name:<34} {result['rps']:>8.0f} {result['p50']:>8.1f} {result['p99']:>8.1f}"
                  f" {ratio:>7.2f} {result['cpu']:>7.2f} {hits / len(latencies):>5.0%}"
                  f" {result['errors']:>4}",
                  flush=True)  # fmt: skip
        print(f"load average {load_average()} at the end")
        print()
        print("\n".join(check_goals(results, baseline)))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


if __name__ == "__main__":
    sys.exit(main())
