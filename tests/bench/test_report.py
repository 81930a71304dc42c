"""bench/report.py: what wrk's logged answers add up to, and the goals' verdicts."""

import json
import math

from bench.report import (
    Goal,
    Measurement,
    check_goal,
    check_hits,
    percentile,
    read_answers,
    read_wrk_output,
    table_row,
)

LOG = [
    "get 200 hit 1000 -",
    "get 200 miss 3000 -",
    "get 500 - 2000 -",
    "cart 201 - 500 -",
    "order 201 - 40000 -",
    "order 400 - 9000 Product_out_of_stock",
    "garbage",
]


def test_answers_are_counted_by_kind_status_cache_and_reason():
    kinds = read_answers(LOG)
    assert set(kinds) == {"get", "cart", "order"}
    get = kinds["get"]
    assert (get.count, get.ok, get.hits, get.misses) == (3, 2, 1, 1)
    assert get.latencies_us == [1000, 3000, 2000]
    assert kinds["order"].codes == {"Product_out_of_stock": 1}
    assert kinds["order"].ok == 1


def test_nearest_rank_percentiles():
    values = list(range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile([7], 99) == 7
    assert math.isnan(percentile([], 50))


def test_rounds_add_up_and_only_2xx_answers_count_as_throughput():
    m = Measurement("orders", kind="order")
    for _ in range(2):
        m.add(10.0, read_answers(LOG), server_cpu=0.5, pg_cpu=0.1, client_cpu=0.02,
              socket_errors=1, load=3.0)  # fmt: skip
    assert m.seconds == 20
    assert m.rate == 2 / 20  # one 201 order per round
    assert m.per_unit_ms(m.server_cpu) == 500  # 1 s of server CPU for 2 orders
    # the 500, the refused order and one socket error per round
    assert m.errors == 2 * (1 + 1 + 1)
    assert m.load == 3.0
    assert m.hit_share is None  # orders carry no X-Cache
    get = Measurement("list")
    get.add(1.0, read_answers(LOG), 0.1, 0.0, 0.0, 0, 1.0)
    assert get.hit_share == 0.5


def test_goal_verdicts_with_the_cpu_beside_and_the_p99():
    base, m = Measurement("base"), Measurement("checkout", kind="order")
    base.add(1.0, read_answers(["get 200 - 1000 -"] * 100), 0.3, 0, 0, 0, 1.0)
    m.add(1.0, read_answers(["order 201 - 2000000 -"] * 30), 0.9, 0, 0, 0, 1.0)
    results = {"base": base, "checkout": m}
    met, slow = check_goal(Goal("checkout", "base", 0.25, p99_ms=1000), results)
    assert met.startswith("ok     checkout: 0.30 x base (goal >= 0.25), 30.0 ms server CPU")
    assert slow.startswith("MISSED checkout: p99 2000 ms (goal < 1000 ms)")
    assert check_goal(Goal("checkout", "base", 0.5), results)[0].startswith("MISSED")
    assert check_goal(Goal("search", "base", 0.5), results)[0].endswith("not measured in this run")


def test_hits_goal_and_table_rows():
    m = Measurement("fixed URL")
    m.add(2.0, read_answers(["get 200 hit 1000 -"] * 9 + ["get 200 miss 1000 -"]), 0.1,
          math.nan, 0.01, 0, 2.5)  # fmt: skip
    assert check_hits("fixed URL", {"fixed URL": m}, 0.8).startswith("ok     fixed URL: 90%")
    row = table_row(m, healthz=m, floor_json=None, floor_rows=None)
    assert row.startswith("fixed URL")
    assert " 1.00 " in row and "90%" in row  # its own ratio; no floor: "-"
    assert row.split()[-1] == "2.50"


def test_a_wrk_run_is_read_from_its_summary_and_each_threads_log(tmp_path):
    out = tmp_path / "out.json"
    out.write_text(json.dumps({"duration_us": 2_000_000, "requests": 3, "errors": {}}))
    (tmp_path / "out.json.1").write_text("get 200 hit 10 -\nget 200 miss 20 -\n")
    (tmp_path / "out.json.2").write_text("get 404 - 30 -\n")
    summary, kinds = read_wrk_output(out)
    assert summary["requests"] == 3
    assert sorted(kinds["get"].latencies_us) == [10, 20, 30]
