"""The figures of bench/run.py: what wrk's answers add up to, the table, the goals' verdicts.

Pure functions over what bench/wrk/scenario.lua logged, so that they can be tested without
a server (tests/bench/test_report.py). Not run on its own.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Answers:
    """The answers of one kind (get, cart or order) that wrk saw."""

    latencies_us: list[int] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    hits: int = 0
    misses: int = 0

    @property
    def count(self) -> int:
        return len(self.latencies_us)

    @property
    def ok(self) -> int:
        """2xx answers."""
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    def add(self, other: Answers) -> None:
        self.latencies_us += other.latencies_us
        self.statuses.update(other.statuses)
        self.codes.update(other.codes)
        self.hits += other.hits
        self.misses += other.misses


def read_answers(lines: Iterable[str]) -> dict[str, Answers]:
    """Parse the per-thread logs of scenario.lua: "kind status cache latency_us code"."""
    kinds: dict[str, Answers] = {}
    for line in lines:
        parts = line.split()
        if len(parts) != 5:
            continue
        kind, status, cache, latency, code = parts
        answers = kinds.setdefault(kind, Answers())
        answers.latencies_us.append(int(latency))
        answers.statuses[int(status)] += 1
        if code != "-":
            answers.codes[code] += 1
        answers.hits += cache == "hit"
        answers.misses += cache == "miss"
    return kinds


def read_wrk_output(out: Path) -> tuple[dict, dict[str, Answers]]:
    """(wrk's summary, the answers by kind) of one wrk run that wrote `out` and `out.N`."""
    summary = json.loads(out.read_text())
    lines: list[str] = []
    for log in sorted(out.parent.glob(out.name + ".*")):
        lines += log.read_text().splitlines()
    return summary, read_answers(lines)


def percentile(values: list[int] | list[float], p: float) -> float:
    """The nearest-rank percentile (p in 0-100); nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return float(ordered[rank - 1])


@dataclass
class Measurement:
    """One scenario, added up over its rounds."""

    name: str
    kind: str = "get"  # whose answers are the throughput and the latencies
    seconds: float = 0.0
    answers: dict[str, Answers] = field(default_factory=dict)
    server_cpu: float = 0.0  # seconds, the server's processes
    pg_cpu: float = 0.0  # seconds, the PostgreSQL backends of the bench database
    client_cpu: float = 0.0  # seconds, wrk
    socket_errors: int = 0
    loads: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # printed under the table

    def add(self, seconds: float, answers: dict[str, Answers], server_cpu: float,
            pg_cpu: float, client_cpu: float, socket_errors: int, load: float) -> None:  # fmt: skip
        self.seconds += seconds
        for kind, more in answers.items():
            self.answers.setdefault(kind, Answers()).add(more)
        self.server_cpu += server_cpu
        self.pg_cpu += pg_cpu
        self.client_cpu += client_cpu
        self.socket_errors += socket_errors
        self.loads.append(load)

    @property
    def main(self) -> Answers:
        return self.answers.get(self.kind, Answers())

    @property
    def all_answers(self) -> int:
        return sum(a.count for a in self.answers.values())

    @property
    def rate(self) -> float:
        """2xx answers of the main kind a second (requests/s, or orders/s)."""
        return self.main.ok / self.seconds if self.seconds else 0.0

    def per_unit_ms(self, seconds: float) -> float:
        """CPU milliseconds per 2xx answer of the main kind (a checkout's cart add counts
        in its order's)."""
        return seconds * 1000 / self.main.ok if self.main.ok else math.nan

    @property
    def errors(self) -> int:
        """Non-2xx answers of any kind, and requests that failed at the socket."""
        return sum(a.count - a.ok for a in self.answers.values()) + self.socket_errors

    @property
    def hit_share(self) -> float | None:
        main = self.main
        seen = main.hits + main.misses
        return main.hits / seen if seen else None

    @property
    def load(self) -> float:
        return sum(self.loads) / len(self.loads) if self.loads else math.nan


def ratio(m: Measurement | None, base: Measurement | None) -> float:
    if m is None or base is None or not base.rate:
        return math.nan
    return m.rate / base.rate


HEADER = (
    f"{'scenario':<44} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'x hz':>5} {'x json':>6}"
    f" {'x rows':>6} {'cpu ms':>6} {'pg ms':>5} {'wrk ms':>6} {'hits':>4} {'err':>4} {'load':>5}"
)


def _num(value: float, width: int, digits: int) -> str:
    return f"{'-':>{width}}" if math.isnan(value) else f"{value:>{width}.{digits}f}"


def table_row(m: Measurement, healthz: Measurement | None, floor_json: Measurement | None,
              floor_rows: Measurement | None) -> str:  # fmt: skip
    """One line of the table: throughput, latencies, the three ratios, CPU per answer."""
    hits = m.hit_share
    return (
        f"{m.name:<44} {m.rate:>7.0f} {_num(percentile(m.main.latencies_us, 50) / 1000, 7, 1)}"
        f" {_num(percentile(m.main.latencies_us, 99) / 1000, 7, 1)}"
        f" {_num(ratio(m, healthz), 5, 2)} {_num(ratio(m, floor_json), 6, 2)}"
        f" {_num(ratio(m, floor_rows), 6, 2)} {_num(m.per_unit_ms(m.server_cpu), 6, 2)}"
        f" {_num(m.per_unit_ms(m.pg_cpu), 5, 2)} {_num(m.per_unit_ms(m.client_cpu), 6, 2)}"
        f" {'-' if hits is None else f'{hits:.0%}':>4} {m.errors:>4} {_num(m.load, 5, 2)}"
    )


@dataclass(frozen=True, slots=True)
class Goal:
    """At least `least` × the `base` scenario's throughput (and p99 under `p99_ms`)."""

    scenario: str
    base: str
    least: float
    p99_ms: float | None = None


def verdict(ok: bool) -> str:
    return f"{'ok' if ok else 'MISSED':<6}"


def check_goal(goal: Goal, results: dict[str, Measurement]) -> list[str]:
    """The verdict lines of one goal, with the scenario's server CPU per answer beside it."""
    m, base = results.get(goal.scenario), results.get(goal.base)
    if m is None or base is None:
        return [f"{'-':<6} {goal.scenario}: not measured in this run"]
    r = ratio(m, base)
    lines = [
        f"{verdict(r >= goal.least)} {goal.scenario}: {r:.2f} x {goal.base} (goal >= "
        f"{goal.least:.2f}), {m.per_unit_ms(m.server_cpu):.1f} ms server CPU per answer"
    ]
    if goal.p99_ms is not None:
        p99 = percentile(m.main.latencies_us, 99) / 1000
        lines.append(
            f"{verdict(p99 < goal.p99_ms)} {goal.scenario}: p99 {p99:.0f} ms (goal < "
            f"{goal.p99_ms:.0f} ms)"
        )
    return lines


def check_hits(name: str, results: dict[str, Measurement], least: float) -> str:
    m = results.get(name)
    share = m.hit_share if m is not None else None
    if share is None:
        return f"{'-':<6} {name}: no X-Cache answers (page cache off?)"
    return f"{verdict(share >= least)} {name}: {share:.0%} page cache hits (goal >= {least:.0%})"
