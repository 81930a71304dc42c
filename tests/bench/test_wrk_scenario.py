"""bench/wrk/scenario.lua, driven by a real wrk against a stub server on the loopback."""

import json
import os
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bench.report import read_wrk_output

LUA = Path(__file__).resolve().parents[2] / "bench" / "wrk" / "scenario.lua"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed"),
]


class Stub(BaseHTTPRequestHandler):
    """GET: a hit every other answer. Cart: 201, or 409 when the buyer's cart holds the
    product. Orders: 201 and the cart is empty again."""

    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, str, str, str]]
    carts: dict[str, bool]
    lock = threading.Lock()

    def answer(self, status: int, body: dict, cache: str | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if cache:
            self.send_header("X-Cache", cache)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with self.lock:
            self.seen.append(("GET", self.path, self.headers.get("Authorization", ""), ""))
            cache = "hit" if len(self.seen) % 2 else "miss"
        self.answer(200, {"ok": True}, cache)

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        token = self.headers.get("Authorization", "")
        with self.lock:
            self.seen.append(("POST", self.path, token, body))
            if self.path == "/techaven/api/cart/items":
                if self.carts.get(token):
                    return self.answer(409, {"success": False, "message": "Item already in cart"})
                self.carts[token] = True
                return self.answer(201, {"success": True})
            if not self.carts.get(token):
                return self.answer(400, {"success": False, "message": "Your cart is empty"})
            self.carts[token] = False
        self.answer(201, {"success": True})

    def log_message(self, *args):
        pass


@pytest.fixture
def stub():
    Stub.seen, Stub.carts = [], {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def wrk(base: str, tmp_path: Path, mode: str, lines: list[str], threads: int, nonce=None):
    (tmp_path / "lines.tsv").write_text("\n".join(lines) + "\n")
    env = {**os.environ, "BENCH_MODE": mode, "BENCH_LINES": str(tmp_path / "lines.tsv"),
           "BENCH_OUT": str(tmp_path / "out.json"), "BENCH_THREADS": str(threads)}  # fmt: skip
    if nonce:
        env["BENCH_NONCE"] = nonce
    cmd = ["wrk", f"-t{threads}", f"-c{threads}", "-d1s", "-s", str(LUA), base]
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=30)
    return read_wrk_output(tmp_path / "out.json")


def test_get_sends_each_line_with_its_token_and_distinct_urls_with_a_nonce(stub, tmp_path):
    summary, kinds = wrk(stub, tmp_path, "get", ["/a?x=1\ttok-a", "/b"], 2, nonce="n0")
    get = kinds["get"]
    assert get.count == summary["requests"] > 0
    assert get.hits + get.misses == get.count
    paths = [path for method, path, _, _ in Stub.seen]
    assert len(set(paths)) == len(paths)  # each URL asked once
    assert all(p.startswith(("/a?x=1&_bench=n0-", "/b?_bench=n0-")) for p in paths)
    tokens = {path.split("?")[0]: auth for _, path, auth, _ in Stub.seen}
    assert tokens == {"/a": "Bearer tok-a", "/b": ""}


def test_checkout_buyers_alternate_cart_and_order(stub, tmp_path):
    buyers = ["tok-1\taddr_1\tpm_1\t11", "tok-2\taddr_2\tpm_2\t22"]
    _, kinds = wrk(stub, tmp_path, "checkout", buyers, 2)
    assert kinds["order"].ok > 0
    assert kinds["order"].ok <= kinds["cart"].ok  # every order follows its cart add
    assert not kinds["order"].codes  # never an empty cart
    posts = [(path, auth, body) for method, path, auth, body in Stub.seen if method == "POST"]
    cart = next(json.loads(b) for p, a, b in posts if a == "Bearer tok-2" and "cart" in p)
    assert cart == {"product_id": 22, "quantity": 1}
    order = next(json.loads(b) for p, a, b in posts if a == "Bearer tok-1" and "orders" in p)
    assert order == {"shipping_address_id": "addr_1", "payment_method_id": "pm_1"}
