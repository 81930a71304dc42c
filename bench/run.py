"""Load-test the catalog endpoints as they run in production.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/run.py
        [--port 8301] [--workers 4] [--requests 2000] [--concurrency 32]

Starts uvicorn with several workers (DEBUG=false, a throwaway SECRET_KEY, rate limits
off so they cannot distort the figures: RATELIMIT_ENABLED=false), waits for /healthz,
then sends a fixed number of requests per scenario with httpx (async, concurrent) and
prints requests/s, p50 and p99 latency and the throughput as a ratio of `/healthz`, the
cheapest endpoint of the same stack. Generate a catalog first with bench/generate.py.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def start_server(port: int, workers: int) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        DEBUG="false",
        SECRET_KEY=env.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(48),
        RATELIMIT_ENABLED="false",
        LOG_LEVEL="WARNING",
        # each in-flight request holds its own connection under ASGI; close it after the
        # request so the shared PostgreSQL never runs out of connection slots
        CONN_MAX_AGE=env.get("BENCH_CONN_MAX_AGE", "0"),
        CACHE_KEY_PREFIX=env.get("CACHE_KEY_PREFIX", "bench") + "-bench",
    )
    cmd = [str(ROOT / ".venv/bin/uvicorn"), "config.asgi:application", "--host", "127.0.0.1",
           "--port", str(port), "--workers", str(workers), "--no-access-log",
           "--log-level", "warning"]  # fmt: skip
    return subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)


def wait_ready(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not come up")


async def run_scenario(base: str, urls, count: int, concurrency: int) -> dict:
    """`urls` is a function i -> path; every response must be 200."""
    latencies: list[float] = []
    errors = 0
    next_i = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker():
            nonlocal next_i, errors
            while next_i < count:
                i = next_i
                next_i += 1
                t0 = time.perf_counter()
                response = await client.get(urls(i))
                latencies.append(time.perf_counter() - t0)
                if response.status_code != 200:
                    errors += 1

        for i in range(min(concurrency, 20)):  # warm every worker's connections and caches
            await client.get(urls(i))
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": count / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "errors": errors,
    }


def scenarios(base: str) -> list[tuple[str, object]]:
    th, cs = "/techaven/api", "/cryptoshop/api"
    sample = httpx.get(f"{base}{th}/products", params={"limit": 100}, timeout=30).json()
    products = sample["data"]["products"]
    total = sample["data"]["pagination"]["total_items"]
    product_ids = [p["id"] for p in products]
    categories = httpx.get(f"{base}{th}/categories", timeout=30).json()["data"]["categories"]
    category = categories[0]["id"]
    words = sorted({p["name"].split()[0].lower() for p in products} | {"iphnoe", "samsnug"})
    models = sorted({" ".join(p["name"].split()[:2]).lower() for p in products})
    prefixes = sorted({p["name"][:3].lower() for p in products})
    deep = max(1, total // 20 // 2)  # the middle page of the whole catalog
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
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8301)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to the PostgreSQL database bench/generate.py filled")
    base = f"http://127.0.0.1:{args.port}"
    server = start_server(args.port, args.workers)
    try:
        wait_ready(base)
        plan = scenarios(base)
        print(f"{args.workers} uvicorn workers, DEBUG=false, RATELIMIT_ENABLED=false, "
              f"{args.requests} requests per scenario, concurrency {args.concurrency}")  # fmt: skip
        header = (
            f"{'scenario':<34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'x base':>7} {'err':>4}"
        )
        print(header)
        print("-" * len(header))
        baseline = None
        for name, urls in plan:
            result = asyncio.run(run_scenario(base, urls, args.requests, args.concurrency))
            baseline = baseline or result["rps"]
            ratio = result["rps"] / baseline
            print(f"{name:<34} {result['rps']:>8.0f} {result['p50']:>8.1f} {result['p99']:>8.1f}"
                  f" {ratio:>7.2f} {result['errors']:>4}", flush=True)  # fmt: skip
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


if __name__ == "__main__":
    sys.exit(main())
