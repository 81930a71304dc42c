"""Security probe for issue 12: attack a running Duka again for each of the 15 findings.

Run it against a production-like server (DEBUG=false, PostgreSQL, Redis, uvicorn with two
workers; README, "Security probe"), on the server's machine and in the server's environment
(the same DATABASE_URL, REDIS_URL, SECRET_KEY, ...) so that the server-side parts can run:

    .venv/bin/python scripts/security_probe.py --base-url http://127.0.0.1:8010 \\
        --mail-dir /srv/duka-mail --setup --server-checks --access-log /srv/duka/server.log

or `make probe PROBE_URL=... PROBE_ARGS="..."`. It prints one line per finding, e.g.

    finding 4  closed  300 MB chunked: 413 after 12.3 MB sent (0.4 s); ...
    finding 9  OPEN  a seller reviewing their own product: 201; ...

and exits 0 when every finding is closed, 1 when any is OPEN, 2 when one could not be
checked (UNCHECKED: a step the attack needs failed, or a part of the finding needs an
option that was not given; a finding is closed only when every part of it held).
`--only 3,11` runs some of them; `-v` narrates each step on stderr.

What it uses:

- HTTP and WebSocket only, as an outside prober, for every attack. Accounts come from the
  public APIs: CryptoShop `auth/register`; Techaven `auth/register`, `auth/login` and the
  e-mailed codes, read from `--mail-dir`, where the server's mail goes
  (`EMAIL_URL=filemail:////that/dir`; a Celery worker sends it). Without `--mail-dir` the
  parts that need a Techaven session are UNCHECKED.
- Server-side setup, `--setup`: `manage.py shell` on this machine makes what no public API
  makes, new on every run with random passwords: two staff accounts (the admin's sign-in
  form) and two Techaven sellers with a shop and a product (the back office's sign-in form,
  a review of one's own product). Findings 1 (the admin's payments panel), 3 and 9 need it.
- Server-side checks, `--server-checks`, each marked "server:" in the evidence: finding 1
  starts uvicorn with DEBUG=false and no PAYMENTS_SANDBOX and expects a refusal; 3 counts
  the sign-in audit trail; 5 reads how long the probe's order holds its stock; 7 scans the
  idempotency table for stored credentials; 11 reads `make -n serve`; 12 asks the settings
  for HSTS behind a TLS proxy (TLS_PROXY=true; no TLS proxy is needed) and reads the access
  log given with `--access-log` (the server's stdout).

Rate limits stay on. Against a loopback address every check sends from an address of its
own (127.a.b.n, a and b random per run), as separate clients would: a limit spent by one
check (Techaven allows 10 sign-in requests a minute per address) decides nothing in another,
and the probe can run again at once. Elsewhere (`--source-addresses none`, or a remote
server) a step that is not itself a rate-limit attack waits out a 429's Retry-After.

The probe leaves what an attacker would: throwaway accounts, unpaid orders (their stock
returns when they expire), refused sign-in attempts and a pending top-up. Use a database of
its own.
"""

from __future__ import annotations

import argparse
import base64
import hmac
import ipaddress
import json
import os
import random
import re
import secrets
import shlex
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from email import message_from_string
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project's Django-free helpers

from core.openapi import to_json_schema  # noqa: E402

TH = "/techaven/api"
CS = "/cryptoshop/api"
TH_KEYS = {"success", "message", "errors"}
CS_KEYS = {"success", "error", "code", "details"}
NUL = "Null characters are not allowed."
TIMEOUT = 20.0
# how long a step that is not a rate-limit attack waits, in all, for 429s to pass
PATIENCE_SECONDS = 130
MB = 1024 * 1024
MAIL_SUBJECTS = {
    "signup": "Verify your Techaven account",
    "login": "Your Techaven sign-in code",
    "password_reset": "Reset your Techaven password",
}
# the id prefixes of both storefronts, put before a NUL in each path parameter (finding 13)
ID_PREFIXES = "addr pm item ord order escrow product seller vnd webhook notif tkt ticket".split()
LOCKED_PAGE = "Too many failed sign-in attempts"
SESSION_ENDED = "Authentication failed: the session has ended"
NOT_IN_TIME = "Authentication failed: not authenticated in time"


class Unchecked(Exception):
    """A step the attack needs did not work, or an input it needs is missing."""


# --- results ---------------------------------------------------------------------------------
@dataclass
class Check:
    """What one finding's attacks showed: `held` notes where the fix held, `broke` where not."""

    number: int
    held: list[str] = field(default_factory=list)
    broke: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def expect(self, ok: bool, evidence: str) -> bool:
        (self.held if ok else self.broke).append(evidence)
        return ok

    def note(self, evidence: str) -> None:
        self.held.append(evidence)

    def skip(self, part: str) -> None:
        """A part of the finding left unchecked for want of an option: not closed then."""
        self.skipped.append(part)


@dataclass(frozen=True)
class Verdict:
    number: int
    status: str  # "closed", "OPEN" or "UNCHECKED"
    evidence: str

    def line(self) -> str:
        return f"finding {self.number}  {self.status}  {self.evidence}"


def verdict_of(check: Check, problem: str = "") -> Verdict:
    """OPEN when any attack got through, whatever else happened; UNCHECKED when a step
    failed (`problem`) or a part was skipped; closed when every part held."""
    if check.broke:
        after = [f"then could not go on: {problem}"] if problem else []
        return Verdict(check.number, "OPEN", "; ".join(check.broke + check.held + after))
    if problem or check.skipped:
        missing = [problem] if problem else [f"not checked: {', '.join(check.skipped)}"]
        return Verdict(check.number, "UNCHECKED", "; ".join(missing + check.held))
    return Verdict(check.number, "closed", "; ".join(check.held))


# --- the target: clients from addresses of their own -----------------------------------------
class Addresses:
    """A fresh loopback source address for each client when the server is on this machine."""

    def __init__(self, base_url: str, mode: str) -> None:
        host = urlsplit(base_url).hostname or ""
        self.enabled = mode == "auto" and _is_loopback(host)
        self._a, self._b = random.randint(16, 250), random.randint(0, 255)
        self._n = 0
        self._lock = threading.Lock()

    def next(self) -> str | None:
        if not self.enabled:
            return None
        with self._lock:
            self._n += 1
            b, n = divmod(self._n, 250)
            return f"127.{self._a}.{(self._b + b) % 256}.{n + 1}"


def _is_loopback(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None, socket.AF_INET)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(i[4][0]).is_loopback for i in infos)


@dataclass
class Target:
    base_url: str
    addresses: Addresses
    verbose: bool = False

    def client(self, source: str | None = None, **kwargs: Any) -> httpx.Client:
        """An HTTP client; from `source`, or a new address of its own."""
        source = source or self.addresses.next()
        transport = httpx.HTTPTransport(local_address=source) if source else None
        return httpx.Client(base_url=self.base_url, timeout=TIMEOUT, transport=transport, **kwargs)

    def say(self, text: str) -> None:
        if self.verbose:
            print(f"  {text}", file=sys.stderr, flush=True)


def send(
    client: httpx.Client, method: str, url: str, *, patient: bool = True, **kwargs: Any
) -> httpx.Response:
    """One request; when `patient`, a rate limit's 429 is waited out (Retry-After) and the
    request sent again, up to PATIENCE_SECONDS in all. Rate-limit attacks are not patient."""
    waited = 0.0
    while True:
        response = client.request(method, url, **kwargs)
        retry = response.headers.get("Retry-After", "")
        limited = response.status_code == 429 and "X-RateLimit-Limit" in response.headers
        if not (patient and limited and retry.isdigit()):
            return response
        if waited + int(retry) + 1 > PATIENCE_SECONDS:
            return response
        time.sleep(int(retry) + 1)
        waited += int(retry) + 1


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def data_of(response: httpx.Response, *expected: int, what: str) -> Any:
    """The `data` of an answer a step needs; Unchecked when it is not one of `expected`."""
    if response.status_code not in expected:
        raise Unchecked(f"{what} answered {response.status_code}: {response.text[:200]}")
    return response.json().get("data")


def body_of(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def ws_url(base_url: str) -> str:
    return base_url.replace("http", "ws", 1)


# --- TOTP (RFC 6238: SHA-1, 6 digits, 30 s) ---------------------------------------------------
def totp(secret: str, offset: int = 0) -> str:
    """The code an authenticator shows for `secret`, `offset` 30-second steps from now."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    digest = hmac.new(key, struct.pack(">Q", int(time.time()) // 30 + offset), "sha1").digest()
    start = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[start : start + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


# --- the mailbox (EMAIL_URL=filemail://...) -----------------------------------------------------
class Mailbox:
    """The messages Django's file e-mail backend wrote: each followed by a line of 79 dashes."""

    SEPARATOR = "\n" + "-" * 79 + "\n"

    def __init__(self, directory: Path) -> None:
        if not directory.is_dir():
            raise SystemExit(f"--mail-dir {directory} is not a directory")
        self.directory = directory

    def _messages(self) -> Iterator[tuple[str, Any]]:
        files = sorted(self.directory.glob("*.log"), key=lambda p: p.stat().st_mtime)
        for path in files:
            for i, text in enumerate(path.read_text(errors="replace").split(self.SEPARATOR)):
                if text.strip():
                    message = message_from_string(text.lstrip("\n"))
                    yield message.get("Message-ID") or f"{path.name}#{i}", message

    def seen(self) -> set[str]:
        return {key for key, _ in self._messages()}

    def code(self, email: str, purpose: str, seen: set[str], timeout: float = 30.0) -> str:
        """The code of the first message to `email` for `purpose` not in `seen`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for key, message in self._messages():
                if key in seen or message.get("To", "").strip().lower() != email.lower():
                    continue
                if message.get("Subject") != MAIL_SUBJECTS[purpose]:
                    continue
                found = re.search(r"code is (\d{6})", message.get_payload(decode=False))
                if found:
                    return found.group(1)
            time.sleep(0.3)
        raise Unchecked(
            f"no {purpose} code mailed to {email} within {timeout:.0f} s "
            "(is a Celery worker running, and EMAIL_URL the --mail-dir?)"
        )


# --- server side: manage.py on this machine, in the server's environment ---------------------
class Server:
    """Commands run on the server's machine, with this process's environment (which must be
    the server's: the same DATABASE_URL, REDIS_URL, SECRET_KEY, ...)."""

    MARK = "PROBE-JSON:"

    def __init__(self, project_dir: Path) -> None:
        if not os.environ.get("DATABASE_URL"):
            raise SystemExit(
                "--setup and --server-checks run manage.py against the server's database: "
                "export the server's environment (DATABASE_URL, ...) first"
            )
        self.project_dir = project_dir

    def run(
        self,
        args: list[str],
        *,
        env: dict[str, str] | None = None,
        stdin: str = "",
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args,
            cwd=self.project_dir,
            env=env if env is not None else dict(os.environ),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def shell(self, code: str, given: Any = None, env: dict[str, str] | None = None) -> Any:
        """Run `code` in `manage.py shell`, fed through stdin so that no secret shows in `ps`.
        It reads `GIVEN` (`given`, through JSON) and hands back a value with `answer(...)`."""
        preamble = (
            "import json\n"
            f"GIVEN = json.loads({json.dumps(given)!r})\n"
            f"def answer(value): print({self.MARK!r} + json.dumps(value))\n"
        )
        done = self.run([sys.executable, "manage.py", "shell"], stdin=preamble + code, env=env)
        for line in done.stdout.splitlines():
            if line.startswith(self.MARK):
                return json.loads(line.removeprefix(self.MARK))
        raise Unchecked(f"manage.py shell failed: {(done.stderr or done.stdout)[-300:]}")


# What `Server.shell` runs: the setup, then the server-side halves of findings 3, 5 and 7.
SETUP_CODE = """
import secrets
from django.utils import timezone
from accounts.models import User
from core.storefront import Storefront
from catalog.services.products import product_create
from catalog.models import Category, Shop

tag = secrets.token_hex(4)

def staff(role):
    password = secrets.token_urlsafe(18)
    user = User(username=f"probe-{role}-{tag}", storefront=None, is_staff=True)
    user.set_password(password)
    user.save()
    return {"username": user.username, "password": password}

def seller(role):
    password = secrets.token_urlsafe(18)
    user = User(
        username=f"probe-{role}-{tag}", storefront=Storefront.TECHAVEN,
        email=f"probe-{role}-{tag}@example.com", full_name="Probe Seller",
        email_verified_at=timezone.now(),
    )
    user.set_password(password)
    user.save()
    shop = Shop.objects.create(
        storefront=Storefront.TECHAVEN, owner=user, name=f"Probe {role} {tag}",
        slug=f"probe-{role}-{tag}", location="Lilongwe",
    )
    product = product_create(shop=shop, staff=True, fields={
        "name": f"Probe product {tag}", "description": "Made by the security probe.",
        "category": Category.objects.filter(storefront=Storefront.TECHAVEN).first(),
        "price_minor": 100_000, "stock_quantity": 10,
    })
    return {"username": user.username, "email": user.email, "password": password,
            "product_id": product.pk}

answer({
    "admin_viewer": staff("admin-viewer"), "admin_target": staff("admin-target"),
    "seller_target": seller("seller-target"), "seller_reviewer": seller("seller-reviewer"),
})
"""

AUDIT_TRAIL_CODE = """
from axes.models import AccessAttempt, AccessFailureLog
answer({
    name: [AccessFailureLog.objects.filter(username=name).count(),
           AccessAttempt.objects.filter(username=name).count()]
    for name in GIVEN
})
"""

ORDER_HOLD_CODE = """
from orders.models import Order
order = Order.objects.get(uid=GIVEN)
answer((order.expires_at - order.created_at).total_seconds() / 60)
"""

IDEMPOTENCY_SCAN_CODE = """
import re
from storefronts.models import IdempotencyRecord
stored = IdempotencyRecord.objects.exclude(body=None).values_list("body", flat=True)
bodies = [bytes(body) for body in stored]
probe = [secret.encode() for secret in GIVEN]
fields = re.compile(
    rb'"(accessToken|access_token|refresh_token|sessionToken|reset_token|secret|backupCodes)"\\s*:'
)
answer({
    "bodies": len(bodies),
    "probe_secrets": sum(any(secret in body for secret in probe) for body in bodies),
    "credential_fields": sum(bool(fields.search(body)) for body in bodies),
})
"""

# Run with the server's settings and TLS_PROXY=true (finding 12).
TLS_PROXY_CODE = """
from django.conf import settings
from django.test import Client
host = next(h for h in settings.ALLOWED_HOSTS if not h.startswith("."))
https = Client().get("/admin/login/", HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https")
plain = Client().get("/admin/login/", HTTP_HOST=host)
answer([https.status_code, https.headers.get("Strict-Transport-Security"),
        plain.status_code, plain.headers.get("Location")])
"""


# --- accounts through the public APIs ----------------------------------------------------------
@dataclass(frozen=True)
class CsAccount:
    id: str
    token: str


@dataclass(frozen=True)
class CsTwoFactor:
    secret: str
    session: str
    backup_codes: list[str]


@dataclass(frozen=True)
class CsShop:
    seller: CsAccount
    seller_id: str
    product_id: str


@dataclass(frozen=True)
class ThSession:
    email: str
    password: str
    access: str
    refresh: str


def cs_register(client: httpx.Client) -> CsAccount:
    data = data_of(
        send(client, "POST", f"{CS}/auth/register", json={}), 201, what="CryptoShop register"
    )
    return CsAccount(data["id"], data["accessToken"])


def cs_call(client: httpx.Client, method: str, path: str, token: str, body: Any = None) -> Any:
    response = send(client, method, f"{CS}{path}", json=body, headers=bearer(token))
    return data_of(response, 200, 201, what=f"CryptoShop {method} {path}")


def cs_two_factor_on(client: httpx.Client, token: str) -> CsTwoFactor:
    secret = cs_call(client, "POST", "/auth/2fa/setup", token, {})["secret"]
    verified = cs_call(client, "POST", "/auth/2fa/verify", token, {"token": totp(secret)})
    return CsTwoFactor(secret, verified["sessionToken"], verified["backupCodes"])


def cs_open_shop(client: httpx.Client, stock: int = 5) -> CsShop:
    seller = cs_register(client)
    profile = cs_call(client, "POST", "/sellers", seller.token, {"storeName": "Probe Store"})
    product = cs_call(
        client,
        "POST",
        "/products",
        seller.token,
        {"name": "Probe VPN", "priceBtc": 0.0001, "stockQuantity": stock},
    )
    return CsShop(seller, profile["id"], product["id"])


class Techaven:
    """Techaven sessions through the API and the e-mailed codes."""

    def __init__(self, mailbox: Mailbox | None, run_tag: str) -> None:
        self.mailbox, self.run_tag = mailbox, run_tag
        self._n = 0

    def need_mail(self) -> Mailbox:
        if self.mailbox is None:
            raise Unchecked("a Techaven session needs the e-mailed code: pass --mail-dir")
        return self.mailbox

    def new_email(self) -> str:
        self._n += 1
        return f"probe-{self.run_tag}-{self._n}@example.com"

    def code_after(self, client: httpx.Client, path: str, body: dict, purpose: str) -> str:
        """POST `body` to the auth endpoint `path`, then the code it mailed."""
        mailbox = self.need_mail()
        seen = mailbox.seen()
        data_of(send(client, "POST", f"{TH}{path}", json=body), 200, what=f"Techaven {path}")
        return mailbox.code(body["email"], purpose, seen)

    def verify(self, client: httpx.Client, email: str, code: str, purpose: str) -> dict:
        body = {"email": email, "otp": code, "type": purpose}
        return data_of(
            send(client, "POST", f"{TH}/auth/verify-otp", json=body),
            200,
            what=f"Techaven verify-otp ({purpose})",
        )

    def signup(self, client: httpx.Client) -> ThSession:
        email, password = self.new_email(), secrets.token_urlsafe(12)
        body = {"full_name": "Probe Person", "email": email, "password": password}
        code = self.code_after(client, "/auth/register", body, "signup")
        data = self.verify(client, email, code, "signup")
        return ThSession(email, password, data["access_token"], data["refresh_token"])

    def login(self, client: httpx.Client, email: str, password: str) -> ThSession:
        body = {"email": email, "password": password}
        code = self.code_after(client, "/auth/login", body, "login")
        data = self.verify(client, email, code, "login")
        return ThSession(email, password, data["access_token"], data["refresh_token"])


# --- the seller back office's and the admin's password forms ---------------------------------
@dataclass(frozen=True)
class FormAnswer:
    status: int
    signed_in: bool
    text: str
    retry_after: str
    cookies: dict[str, str]


def set_cookies(response: httpx.Response) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def cookie_header(cookies: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}


def form_sign_in(
    target: Target, source: str | None, url: str, username: str, password: str
) -> FormAnswer:
    """Django's sign-in form as a script does it. With DEBUG off the cookies are `Secure`,
    which a browser keeps off plain http; a client sends what it likes, so the probe hands
    them back itself."""
    with target.client(source) as client:
        page = client.get(url)
        cookies = set_cookies(page)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if page.status_code != 200 or not token or "csrftoken" not in cookies:
            return FormAnswer(page.status_code, False, page.text, "", {})
        nxt = "/admin/" if url.startswith("/admin/") else "/seller/api/"
        form = {
            "username": username,
            "password": password,
            "next": nxt,
            "csrfmiddlewaretoken": token.group(1),
        }
        client.cookies.clear()
        answer = client.post(url, data=form, headers=cookie_header(cookies))
        new = set_cookies(answer)
        return FormAnswer(
            answer.status_code,
            answer.status_code == 302 and "sessionid" in new,
            answer.text,
            answer.headers.get("Retry-After", ""),
            {**cookies, **new},
        )


# --- images --------------------------------------------------------------------------------------
def png(width: int, height: int) -> bytes:
    """An RGB PNG of black pixels, compressed as it is written (40 MP is about 120 KB)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + 3 * width)  # filter byte "none", then the pixels
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", b"".join(parts))
        + chunk(b"IEND", b"")
    )


# --- the checks -----------------------------------------------------------------------------------
@dataclass
class Probe:
    target: Target
    techaven: Techaven
    server: Server | None
    accounts: dict[str, dict[str, Any]] | None
    access_log: Path | None
    https_url: str | None
    auth_grace: float
    body_limit: int

    def need_accounts(self, what: str) -> dict[str, dict[str, Any]]:
        if self.accounts is None:
            raise Unchecked(f"{what} needs accounts no public API makes: pass --setup")
        return self.accounts

    # -- 1 ----------------------------------------------------------------------------------------
    def finding_1(self, check: Check) -> None:
        """Payments free when deployed as documented: the sandboxes must be asked for."""
        with self.target.client() as client:
            ready = body_of(client.get("/readyz"))
        payments = ready.get("payments")
        if check.expect(
            isinstance(payments, dict) and bool(payments), "/readyz shows what serves each provider"
        ):
            shown = ", ".join(f"{k}={v}" for k, v in payments.items())
            check.note(f"/readyz payments: {shown}")
        if self.accounts:
            viewer = self.accounts["admin_viewer"]
            signed = form_sign_in(
                self.target, None, "/admin/login/", viewer["username"], viewer["password"]
            )
            if not signed.signed_in:
                raise Unchecked(f"the probe's staff account could not sign in ({signed.status})")
            with self.target.client() as client:
                page = client.get("/admin/", headers=cookie_header(signed.cookies))
            rows = re.findall(
                r'<tr class="payments-(\w+)">\s*<th scope="row">[^<]+</th>\s*'
                r"<td>(.*?)</td>",
                page.text,
                re.S,
            )
            panel = {key: re.sub(r"<[^>]+>", "", cell).strip() for key, cell in rows}
            check.expect(bool(panel), f"admin index payments panel: {panel or 'missing'}")
        if self.server is None:
            check.skip("the startup refusal (server-side: pass --server-checks)")
            return
        check.expect(*self._refuses_to_start())

    def _refuses_to_start(self) -> tuple[bool, str]:
        """server: uvicorn with DEBUG=false and neither PAYMENTS_SANDBOX nor real providers."""
        assert self.server is not None
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("PAYMENTS_SANDBOX", "PAYMENT_PROVIDERS", "BTC_BACKEND")
        }
        env["DEBUG"] = "false"
        env.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        uvicorn = str(Path(sys.executable).with_name("uvicorn"))
        command = [
            uvicorn,
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-proxy-headers",
        ]
        with tempfile.TemporaryFile("w+") as log:
            process = subprocess.Popen(
                command, cwd=self.server.project_dir, env=env, stdout=log, stderr=log
            )
            try:
                # it either exits (refuses) or comes to answer (starts): whichever first
                _wait_for(
                    lambda: process.poll() is not None or _answers(f"http://127.0.0.1:{port}/"),
                    timeout=60,
                )
                serving = process.poll() is None
            finally:
                if process.poll() is None:
                    process.terminate()
                process.wait(timeout=10)
            log.seek(0)
            output = log.read()
        if serving:
            return False, f"server: uvicorn served on :{port} without PAYMENTS_SANDBOX"
        said = next((line for line in output.splitlines() if "refuses to start" in line), "")
        if not said:
            last = output.strip().splitlines()[-1:] or ["no output"]
            raise Unchecked(
                f"server: uvicorn exited {process.returncode} for another reason: {last[0]}"
            )
        names_the_fix = (
            "no real payment provider serves airtel_money, tnm_mpamba" in said
            and "PAYMENTS_SANDBOX=true" in said
        )
        quoted = said.split("ImproperlyConfigured: ", 1)[-1][:110]
        return (
            process.returncode != 0 and names_the_fix,
            f"server: DEBUG=false uvicorn without PAYMENTS_SANDBOX or real providers exits "
            f"{process.returncode}: '{quoted}...'",
        )

    # -- 2 ----------------------------------------------------------------------------------------
    def finding_2(self, check: Check) -> None:
        """2FA re-keyed without a current code; a pending secret accepted by the bare token."""
        with self.target.client() as client:
            account = cs_register(client)
            factor = cs_two_factor_on(client, account.token)
            setup = f"{CS}/auth/2fa/setup"
            verify = f"{CS}/auth/2fa/verify"
            for body in ({}, {"currentCode": "000000"}):
                answer = send(client, "POST", setup, json=body, headers=bearer(factor.session))
                error = body_of(answer)
                check.expect(
                    answer.status_code == 400
                    and error.get("code") == "TWO_FACTOR_CODE_INVALID"
                    and "currentCode" in error.get("details", {}),
                    f"session re-key with {json.dumps(body)}: {answer.status_code} "
                    f"{error.get('code')}",
                )
            bare = send(client, "POST", setup, json={}, headers=bearer(account.token))
            check.expect(
                bare.status_code == 401,
                f"re-key with the bare access token: {bare.status_code} "
                f"{body_of(bare).get('code')}",
            )
            # a re-key proven with a backup code, never confirmed: its secret is pending
            rekey = send(
                client,
                "POST",
                setup,
                json={"currentCode": factor.backup_codes[0]},
                headers=bearer(factor.session),
            )
            pending = data_of(rekey, 200, what="re-key with a backup code")["secret"]
            planted = send(
                client, "POST", verify, json={"token": totp(pending)}, headers=bearer(account.token)
            )
            check.expect(
                planted.status_code == 400,
                f"bare-token verify with the unconfirmed secret: {planted.status_code} "
                f"{body_of(planted).get('code')}",
            )
            owner = send(
                client,
                "POST",
                verify,
                json={"token": totp(factor.secret, 1)},
                headers=bearer(account.token),
            )
            check.expect(
                owner.status_code == 200,
                f"the owner's own TOTP still opens a session: {owner.status_code}",
            )

    # -- 3 ----------------------------------------------------------------------------------------
    def finding_3(self, check: Check) -> None:
        """30 wrong passwords then the right one at the admin's and the back office's forms."""
        accounts = self.need_accounts("the sign-in lockout")
        forms = (
            ("/admin/login/", accounts["admin_target"]),
            ("/seller/api/auth/login/", accounts["seller_target"]),
        )
        # first, from the owner's address: 4 wrong passwords, then the right one signs in
        # (the form works for the probe); both forms before any attack, whose address lock
        # would otherwise refuse the second control where all requests share one address
        for url, account in forms:
            owner = self.target.addresses.next()
            wrong = [
                form_sign_in(self.target, owner, url, account["username"], "wrong-password").status
                for _ in range(4)
            ]
            right = form_sign_in(self.target, owner, url, account["username"], account["password"])
            if wrong != [200] * 4 or not right.signed_in:
                raise Unchecked(
                    f"{url}: 4 wrong passwords then the right one gave {_runs(wrong)}, "
                    f"{right.status} (the form does not sign the probe in)"
                )
        for url, account in forms:
            name = "admin" if url.startswith("/admin/") else "back office"
            attacker = self.target.addresses.next()
            statuses = [
                form_sign_in(self.target, attacker, url, account["username"], "wrong").status
                for _ in range(30)
            ]
            last = form_sign_in(
                self.target, attacker, url, account["username"], account["password"]
            )
            let_through = statuses.index(429) if 429 in statuses else len(statuses)
            check.expect(
                not last.signed_in
                and last.status == 429
                and LOCKED_PAGE in last.text
                and let_through <= 5,
                f"{name}: 30 wrong passwords → {_runs(statuses)}, then the right one → "
                f"{last.status}{' signed in' if last.signed_in else ''} "
                f"(Retry-After {last.retry_after or '-'})",
            )
        if self.server is not None:
            names = [account["username"] for _, account in forms]
            counts = self.server.shell(AUDIT_TRAIL_CODE, names)
            trail = all(failures >= 30 for failures, _ in counts.values())
            check.expect(
                trail,
                "server: audit trail "
                + ", ".join(
                    f"{n}: {f} failures logged, {a} attempt rows" for n, (f, a) in counts.items()
                ),
            )

    # -- 4 ----------------------------------------------------------------------------------------
    def finding_4(self, check: Check) -> None:
        """Body size: chunked bodies unlimited and small chunked JSON ignored."""
        sent = 0

        def endless() -> Iterator[bytes]:
            nonlocal sent
            block = b"[" + b" " * (64 * 1024 - 1)
            for _ in range(300 * 16):  # 300 MB
                sent += len(block)
                yield block

        with self.target.client() as client:
            started = time.monotonic()
            try:
                huge = client.post(
                    f"{TH}/auth/login",
                    content=endless(),
                    headers={"Content-Type": "application/json"},
                    timeout=120,
                )
            except httpx.TransportError as exc:
                raise Unchecked(f"300 MB chunked body: {exc!r}") from exc
            elapsed = time.monotonic() - started
            check.expect(
                huge.status_code == 413
                and set(body_of(huge)) == TH_KEYS
                and sent < self.body_limit + 32 * MB,
                f"300 MB chunked: {huge.status_code} after {sent / MB:.1f} MB sent "
                f"({elapsed:.1f} s)",
            )

            def chunked(*parts: bytes) -> Iterator[bytes]:
                yield from parts

            json_type = {"Content-Type": "application/json"}
            register = client.post(
                f"{CS}/auth/register", content=chunked(b"{", b"}"), headers=json_type
            )
            token = body_of(register).get("data", {}).get("accessToken", "")
            login_body = json.dumps({"accessToken": token}).encode()
            login = client.post(
                f"{CS}/auth/login",
                headers=json_type,
                content=chunked(login_body[:10], login_body[10:]),
            )
            th = client.post(
                f"{TH}/auth/login",
                headers=json_type,
                content=chunked(
                    b'{"email": "nobody@example.com", ', b'"password": "wrong-password"}'
                ),
            )
            check.expect(
                (register.status_code, login.status_code, th.status_code) == (201, 200, 401),
                f"small chunked JSON read: CS register {register.status_code}, CS login "
                f"{login.status_code}, TH login {th.status_code} (a 401: its fields were read)",
            )

            upload_sent = 0

            def big_upload() -> Iterator[bytes]:
                nonlocal upload_sent
                head = (
                    b'--probe\r\nContent-Disposition: form-data; name="avatar"; '
                    b'filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG'
                )
                upload_sent += len(head)
                yield head
                for _ in range(100 * 16):  # 100 MB
                    upload_sent += 64 * 1024
                    yield b"0" * (64 * 1024)

            upload = client.post(
                f"{TH}/user/avatar",
                content=big_upload(),
                headers={"Content-Type": "multipart/form-data; boundary=probe"},
                timeout=120,
            )
            check.expect(
                upload.status_code == 413 and upload_sent < self.body_limit + 32 * MB,
                f"100 MB chunked avatar upload: {upload.status_code} after "
                f"{upload_sent / MB:.1f} MB sent",
            )
        status, waited = self._declared_length_answer()
        check.expect(
            status == 413,
            "Content-Length 50 MB, no body sent: "
            + (f"{status} after {waited:.1f} s" if status else "no answer in 10 s (waits for it)"),
        )

    def _declared_length_answer(self) -> tuple[int, float]:
        parts = urlsplit(self.target.base_url)
        if parts.scheme != "http":
            raise Unchecked("the declared-length attack speaks plain http")
        source = self.target.addresses.next()
        started = time.monotonic()
        with socket.create_connection(
            (parts.hostname, parts.port or 80),
            timeout=10,
            source_address=(source, 0) if source else None,
        ) as raw:
            raw.sendall(
                f"POST {CS}/auth/login HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                "Content-Type: application/json\r\nContent-Length: 52428800\r\n\r\n".encode()
            )
            answer = b""
            try:
                while chunk := raw.recv(65536):  # the server closes after answering
                    answer += chunk
            except TimeoutError:
                pass  # no answer while the body is awaited: the limit waits for the bytes
        status = re.match(rb"HTTP/1\.1 (\d{3})", answer)
        return (int(status.group(1)) if status else 0), time.monotonic() - started

    # -- 5 ----------------------------------------------------------------------------------------
    def finding_5(self, check: Check) -> None:
        """Stock hoarded by a throwaway account, held for a day."""
        with self.target.client() as client:
            shop = cs_open_shop(client, stock=1000)

            def order(token: str, quantity: int) -> httpx.Response:
                items = [{"productId": shop.product_id, "quantity": quantity}]
                return send(
                    client, "POST", f"{CS}/orders", json={"items": items}, headers=bearer(token)
                )

            hoarder = cs_register(client)
            whole = order(hoarder.token, 21)
            allowed = order(hoarder.token, 20)
            more = order(hoarder.token, 1)
            check.expect(
                (whole.status_code, allowed.status_code, more.status_code) == (409, 201, 409)
                and body_of(whole).get("code") == "TOO_MANY_UNPAID_ORDERS",
                f"new account ordering 21 units: {whole.status_code} "
                f"{body_of(whole).get('code')}; 20: {allowed.status_code}; one more: "
                f"{more.status_code}",
            )
            other = cs_register(client)
            statuses = [order(other.token, 1).status_code for _ in range(6)]
            check.expect(
                statuses == [201] * 5 + [409],
                f"another new account, 6 orders of one unit: {_runs(statuses)}",
            )
            product = cs_call(client, "GET", f"/products/{shop.product_id}", shop.seller.token)
            check.note(f"stock left {product.get('stockQuantity', '?')} of 1000")
        if self.server is None:
            check.skip("how long an order holds its stock (server-side: pass --server-checks)")
        elif allowed.status_code == 201:
            uid = body_of(allowed)["data"]["id"].removeprefix("order_")
            minutes = self.server.shell(ORDER_HOLD_CODE, uid)
            check.expect(
                minutes <= 60, f"server: the unpaid order holds its stock for {minutes:.0f} min"
            )

    # -- 6 ----------------------------------------------------------------------------------------
    def finding_6(self, check: Check) -> None:
        """Sockets outliving logout; connections that never authenticate left open."""
        import engineio
        from websockets.sync.client import connect

        base, ws_base = self.target.base_url, ws_url(self.target.base_url)
        with ExitStack() as sockets:
            # never authenticated: opened first, they must be closed once the grace is over
            opened = time.monotonic()
            bare_ws = sockets.enter_context(connect(f"{ws_base}/ws/", open_timeout=10))
            bare_eio = engineio.Client()
            eio_closed = threading.Event()
            bare_eio.on("disconnect", lambda *_: eio_closed.set())
            bare_eio.connect(base, engineio_path="socket.io", transports=["websocket"])
            sockets.callback(bare_eio.disconnect)

            with self.target.client() as client:
                account = cs_register(client)
                factor = cs_two_factor_on(client, account.token)
                other = cs_call(
                    client,
                    "POST",
                    "/auth/2fa/verify",
                    account.token,
                    {"token": factor.backup_codes[0]},
                )["sessionToken"]
                # several sockets of the session, so that both workers are likely to hold one
                ending = [SocketIOListener(base, factor.session) for _ in range(3)]
                staying = SocketIOListener(base, other)
                for listener in (*ending, staying):
                    sockets.callback(listener.close)
                plain = sockets.enter_context(
                    connect(f"{ws_base}/ws/?token={factor.session}", open_timeout=10)
                )
                hello = json.loads(plain.recv(timeout=10))
                if hello.get("event") != "authenticated":
                    raise Unchecked(f"/ws/ with a session token said {hello}")
                logout = send(client, "POST", f"{CS}/auth/logout", headers=bearer(factor.session))
                data_of(logout, 200, what="CryptoShop logout")
                logged_out = time.monotonic()
                told, code = _ws_end(plain, timeout=10)
                closed_in = time.monotonic() - logged_out
                _wait_for(lambda: not any(listener.connected for listener in ending), 10)
                ended = sum(listener.told_session_ended() for listener in ending)
                check.expect(
                    told == SESSION_ENDED and code == 4401 and ended == 3 and staying.connected,
                    f"CryptoShop logout: that session's /ws/ told and closed {code} in "
                    f"{closed_in:.1f} s, its Socket.IO sockets ended {ended}/3, the other "
                    f"session's {'still open' if staying.connected else 'closed too'}",
                )
            self._techaven_refresh_reuse_closes(check)

            def left() -> float:
                return max(0.0, self.auth_grace + 10 - (time.monotonic() - opened))

            told, code = _ws_end(bare_ws, timeout=left())
            eio_gone = eio_closed.wait(timeout=left())
            check.expect(
                told == NOT_IN_TIME and code == 4401 and eio_gone,
                f"never authenticated: /ws/ closed {code} ('{told or 'nothing said'}'), bare "
                f"Engine.IO {'closed' if eio_gone else 'still open'}, within "
                f"{self.auth_grace:.0f}+10 s",
            )

    def _techaven_refresh_reuse_closes(self, check: Check) -> None:
        from websockets.sync.client import connect

        if self.techaven.mailbox is None:
            check.skip("Techaven refresh-token reuse (pass --mail-dir)")
            return
        with self.target.client() as client:
            session = self.techaven.signup(client)
            with connect(
                f"{ws_url(self.target.base_url)}/ws/?token={session.access}", open_timeout=10
            ) as plain:
                json.loads(plain.recv(timeout=10))
                refresh = {"refresh_token": session.refresh}
                first = send(client, "POST", f"{TH}/auth/refresh-token", json=refresh)
                reuse = send(client, "POST", f"{TH}/auth/refresh-token", json=refresh)
                reused = time.monotonic()
                _, code = _ws_end(plain, timeout=10)
                check.expect(
                    (first.status_code, reuse.status_code) == (200, 401) and code == 4401,
                    f"Techaven refresh-token reuse ({first.status_code}, {reuse.status_code}): "
                    f"its /ws/ closed {code} in {time.monotonic() - reused:.1f} s",
                )

    # -- 7 ----------------------------------------------------------------------------------------
    def finding_7(self, check: Check) -> None:
        """Idempotency records keeping credentials for a replay."""
        secrets_seen: list[str] = []
        with self.target.client() as client:

            def sent_twice(path: str, body: dict, token: str = "") -> tuple[httpx.Response, ...]:
                """The same request sent twice with one new Idempotency-Key, as a retry."""
                headers = {"Idempotency-Key": f"probe-{secrets.token_hex(8)}"}
                headers |= bearer(token) if token else {}
                return tuple(client.post(path, json=body, headers=headers) for _ in range(2))

            def replayed(response: httpx.Response) -> str:
                return "replayed" if "Idempotent-Replayed" in response.headers else "run again"

            first, again = sent_twice(f"{CS}/auth/register", {})
            tokens = [body_of(r).get("data", {}).get("accessToken") for r in (first, again)]
            secrets_seen += [t for t in tokens if t]
            check.expect(
                again.status_code == 201
                and replayed(again) == "run again"
                and tokens[0] != tokens[1]
                and first.headers.get("Cache-Control") == "no-store",
                f"CS register retried with its Idempotency-Key: {first.status_code}, "
                f"{again.status_code} {replayed(again)} "
                f"({'the same token' if tokens[0] == tokens[1] else 'a new token'}), "
                f"Cache-Control {first.headers.get('Cache-Control')}",
            )
            token = tokens[0] or cs_register(client).token
            # the store itself still works: login hands out no token, and replays
            once, again_login = sent_twice(f"{CS}/auth/login", {"accessToken": token})
            check.note(f"control: CS login retried {once.status_code}, {replayed(again_login)}")
            # a retried setup makes a new pending secret (the first was never seen)
            setups = sent_twice(f"{CS}/auth/2fa/setup", {}, token)
            secrets_seen += [data_of(r, 200, what="2FA setup")["secret"] for r in setups]
            secret = secrets_seen[-1]
            verified, retry = sent_twice(f"{CS}/auth/2fa/verify", {"token": totp(secret)}, token)
            data = data_of(verified, 200, what="2FA verify")
            secrets_seen += [data["sessionToken"], *data.get("backupCodes", [])]
            check.expect(
                "sessionToken" not in retry.text
                and replayed(retry) == replayed(setups[1]) == "run again",
                f"2FA setup retried: {replayed(setups[1])}; 2FA verify retried: "
                f"{retry.status_code} {body_of(retry).get('code')}, {replayed(retry)}",
            )
            if self.techaven.mailbox is not None:
                email = self.techaven.new_email()
                signup = {"full_name": "Probe Person", "email": email, "password": "probe-pw-1"}
                code = self.techaven.code_after(client, "/auth/register", signup, "signup")
                otp = {"email": email, "otp": code, "type": "signup"}
                verified_th, again_th = sent_twice(f"{TH}/auth/verify-otp", otp)
                pair = data_of(verified_th, 200, what="Techaven verify-otp")
                rotated, again_rotated = sent_twice(
                    f"{TH}/auth/refresh-token", {"refresh_token": pair["refresh_token"]}
                )
                new_pair = body_of(rotated).get("data") or {}
                secrets_seen += [pair["access_token"], pair["refresh_token"]]
                secrets_seen += [
                    new_pair.get("access_token", ""),
                    new_pair.get("refresh_token", ""),
                ]
                check.expect(
                    all(
                        "access_token" not in r.text and replayed(r) == "run again"
                        for r in (again_th, again_rotated)
                    ),
                    f"Techaven verify-otp and refresh-token retried: {again_th.status_code} "
                    f"{replayed(again_th)}, {again_rotated.status_code} {replayed(again_rotated)}",
                )
        if self.server is None:
            check.skip("the idempotency table (server-side: pass --server-checks)")
            return
        scan = self.server.shell(IDEMPOTENCY_SCAN_CODE, [s for s in secrets_seen if s])
        check.expect(
            scan["probe_secrets"] == 0 and scan["credential_fields"] == 0,
            f"server: storefronts_idempotencyrecord: {scan['bodies']} stored bodies, "
            f"{scan['probe_secrets']} hold one of the probe's {len(secrets_seen)} credentials, "
            f"{scan['credential_fields']} a credential field",
        )

    # -- 8 ----------------------------------------------------------------------------------------
    def finding_8(self, check: Check) -> None:
        """A small PNG declaring 40 megapixels decoded at great cost."""
        bomb = png(8000, 5000)
        small = png(64, 64)
        with self.target.client() as client:
            shop = cs_open_shop(client)
            token = shop.seller.token
            listing = send(client, "GET", "/seller/api/products/", headers=bearer(token))
            if listing.status_code != 200:
                raise Unchecked(f"back office product list: {listing.status_code}")
            results = listing.json()
            rows = results.get("results", results) if isinstance(results, dict) else results
            uid = shop.product_id.removeprefix("product_")
            pk = next((row["id"] for row in rows if row.get("uid") == uid), None)
            if pk is None:
                raise Unchecked("the probe's product is not in its back office")

            def upload(data: bytes) -> tuple[int, float, str]:
                with self.target.client() as own:
                    started = time.monotonic()
                    answer = own.post(
                        "/seller/api/product-images/",
                        headers=bearer(token),
                        data={"product": str(pk)},
                        files={"image": ("photo.png", data, "image/png")},
                    )
                    return answer.status_code, time.monotonic() - started, answer.text

            status, took, text = upload(bomb)
            check.expect(
                status == 400 and "megapixels" in text and took < 2,
                f"{len(bomb) // 1024} KB PNG of 8000x5000 as a product image: "
                f"{status} in {took:.2f} s",
            )
            # more at once than a worker decodes (IMAGE_DECODE_CONCURRENCY, 2)
            with ThreadPoolExecutor(max_workers=4) as pool:
                many = list(pool.map(upload, [bomb] * 4))
            check.expect(
                all(s == 400 for s, _, _ in many) and max(t for _, t, _ in many) < 5,
                f"4 at once: {_runs([s for s, _, _ in many])}, slowest "
                f"{max(t for _, t, _ in many):.2f} s",
            )
            fine, _, _ = upload(small)
            check.expect(fine == 201, f"a 64x64 PNG: {fine}")
            if self.techaven.mailbox is None:
                check.skip("the Techaven avatar (pass --mail-dir)")
                return
            session = self.techaven.signup(client)
            started = time.monotonic()
            avatar = send(
                client,
                "POST",
                f"{TH}/user/avatar",
                headers=bearer(session.access),
                files={"avatar": ("me.png", bomb, "image/png")},
            )
            took = time.monotonic() - started
            check.expect(
                avatar.status_code == 400 and "megapixels" in avatar.text and took < 2,
                f"as a Techaven avatar: {avatar.status_code} in {took:.2f} s",
            )

    # -- 9 ----------------------------------------------------------------------------------------
    def finding_9(self, check: Check) -> None:
        """A seller reviewing their own product."""
        seller = self.need_accounts("a seller's own product")["seller_reviewer"]
        with self.target.client() as client:
            session = self.techaven.login(client, seller["email"], seller["password"])
            url = f"{TH}/products/{seller['product_id']}"
            before = data_of(send(client, "GET", url), 200, what="the seller's product")
            review = send(
                client,
                "POST",
                f"{url}/reviews",
                headers=bearer(session.access),
                json={"rating": 5, "title": "Best shop ever"},
            )
            after = data_of(send(client, "GET", url), 200, what="the seller's product")
            moved = (before.get("rating"), before.get("review_count")) != (
                after.get("rating"),
                after.get("review_count"),
            )
            check.expect(
                review.status_code == 403 and set(body_of(review)) == TH_KEYS and not moved,
                f"a seller reviewing their own product: {review.status_code} "
                f"'{body_of(review).get('message')}', review count "
                f"{before.get('review_count')} → {after.get('review_count')}",
            )

    # -- 10 ---------------------------------------------------------------------------------------
    def finding_10(self, check: Check) -> None:
        """A password reset leaving an earlier login code (and sessions) alive."""
        techaven = self.techaven
        techaven.need_mail()
        with self.target.client() as client:
            session = techaven.signup(client)
            email = session.email
            login_code = techaven.code_after(
                client, "/auth/login", {"email": email, "password": session.password}, "login"
            )
            reset_code = techaven.code_after(
                client, "/auth/forgot-password", {"email": email}, "password_reset"
            )
            grant = techaven.verify(client, email, reset_code, "password_reset")
            reset = send(
                client,
                "POST",
                f"{TH}/auth/reset-password",
                json={
                    "email": email,
                    "reset_token": grant["reset_token"],
                    "new_password": secrets.token_urlsafe(12),
                },
            )
            if reset.status_code != 200:
                raise Unchecked(f"reset-password answered {reset.status_code}: {reset.text[:200]}")
            late = send(
                client,
                "POST",
                f"{TH}/auth/verify-otp",
                json={"email": email, "otp": login_code, "type": "login"},
            )
            check.expect(
                late.status_code == 400 and "access_token" not in late.text,
                f"login code issued before the reset, used after it: "
                f"{late.status_code} '{body_of(late).get('message')}'",
            )
            profile = send(client, "GET", f"{TH}/user/profile", headers=bearer(session.access))
            refresh = send(
                client, "POST", f"{TH}/auth/refresh-token", json={"refresh_token": session.refresh}
            )
            check.expect(
                (profile.status_code, refresh.status_code) == (401, 401),
                f"the session from before: access token {profile.status_code}, "
                f"refresh token {refresh.status_code}",
            )

    # -- 11 ---------------------------------------------------------------------------------------
    def finding_11(self, check: Check) -> None:
        """X-Forwarded-For dodging the rate limit; twice the limit across a window's edge."""
        login = {"email": "nobody@example.com", "password": "wrong-password"}
        if not self.target.addresses.enabled:  # one address for all: let its budget refill
            time.sleep(61)
        with self.target.client() as client:
            statuses = []
            for i in range(11):
                forged = {
                    "X-Forwarded-For": f"203.0.113.{i + 1}",
                    "X-Real-IP": f"198.51.100.{i}",
                    "Forwarded": f"for=192.0.2.{i + 1}",
                }
                answer = send(
                    client, "POST", f"{TH}/auth/login", json=login, headers=forged, patient=False
                )
                statuses.append(answer.status_code)
        check.expect(
            statuses == [401] * 10 + [429],
            f"11 sign-ins in a minute, each claiming another X-Forwarded-For: {_runs(statuses)}",
        )
        # a fixed window starts again on the clock minute: 10 just before it, 1 just after.
        # Code guesses (verify-otp) share the sign-in budget and cost no password hashing.
        guess = {"email": "nobody@example.com", "otp": "000000", "type": "login"}
        start = time.time() + (0 if self.target.addresses.enabled else 61)
        time.sleep(start - time.time() + (56.0 - start % 60) % 60)
        with self.target.client() as client:
            before = [
                send(client, "POST", f"{TH}/auth/verify-otp", json=guess, patient=False).status_code
                for _ in range(10)
            ]
            if time.time() % 60 < 30:
                raise Unchecked("the first 10 code guesses crossed the minute's edge (too slow)")
            time.sleep(60.5 - time.time() % 60)
            after = send(client, "POST", f"{TH}/auth/verify-otp", json=guess, patient=False)
        check.expect(
            before == [400] * 10 and after.status_code == 429,
            f"10 code guesses at :56-:59, 1 at :00 of the next minute: {_runs(before)}, "
            f"{after.status_code} (Retry-After {after.headers.get('Retry-After', '-')})",
        )
        if self.server is not None:
            dry = self.server.run(["make", "-n", "serve", "FORWARDED_ALLOW_IPS="])
            line = next((ln for ln in dry.stdout.splitlines() if "uvicorn" in ln), "")
            check.expect(
                "--no-proxy-headers" in shlex.split(line),
                "server: `make -n serve` runs uvicorn with --no-proxy-headers "
                "(no FORWARDED_ALLOW_IPS)",
            )

    # -- 12 ---------------------------------------------------------------------------------------
    def finding_12(self, check: Check) -> None:
        """HSTS behind a TLS proxy, a CSP on the admin, sandbox and Swagger pages, and
        `?access_token=` kept out of the access log."""
        pages = ["/admin/login/", "/pay/sandbox/btc/", f"{TH}/docs/", f"{CS}/docs/"]
        with self.target.client() as client:
            if self.techaven.mailbox is not None:
                session = self.techaven.signup(client)
                topup = send(
                    client,
                    "POST",
                    f"{TH}/wallet/topup",
                    headers=bearer(session.access),
                    json={
                        "amount": 10_000,
                        "payment_method": "mobile_money",
                        "phone_number": "+265991234567",
                    },
                )
                url = body_of(topup).get("data", {}).get("payment_url", "")
                if "/pay/" in url:
                    pages.append("/pay/" + url.split("/pay/", 1)[1])
            weak = []
            for page in pages:
                answer = client.get(page)
                problem = _csp_problem(answer)
                if problem:
                    weak.append(f"{page}: {problem}")
            check.expect(
                not weak,
                f"CSP without inline code on {len(pages)} pages (admin "
                f"sign-in, sandbox pages, both Swagger UIs)"
                if not weak
                else "CSP: " + "; ".join(weak),
            )
            forged = client.get("/admin/login/", headers={"X-Forwarded-Proto": "https"})
            check.expect(
                "Strict-Transport-Security" not in forged.headers and forged.status_code == 200,
                f"plain http with a forged X-Forwarded-Proto: https: {forged.status_code}, "
                f"no HSTS (the header is believed only from a configured proxy)",
            )
        if self.https_url:
            with httpx.Client(base_url=self.https_url, timeout=TIMEOUT) as tls:
                hsts = tls.get("/admin/login/").headers.get("Strict-Transport-Security", "")
            check.expect(
                "max-age=" in hsts and int(re.search(r"max-age=(\d+)", hsts)[1]) > 0,
                f"HTTPS answer at {self.https_url}: HSTS '{hsts}'",
            )
        if self.server is None:
            check.skip("HSTS behind a TLS proxy and the access log (pass --server-checks)")
            return
        check.expect(*self._hsts_behind_a_tls_proxy())
        self._access_log(check)

    def _hsts_behind_a_tls_proxy(self) -> tuple[bool, str]:
        """server: the same settings with TLS_PROXY=true, asked through Django's test client."""
        assert self.server is not None
        tls_proxy = {**os.environ, "TLS_PROXY": "true"}
        status, hsts, plain, location = self.server.shell(TLS_PROXY_CODE, env=tls_proxy)
        return (
            status == 200 and bool(hsts) and "max-age=31536000" in hsts and plain == 301,
            f"server: with TLS_PROXY=true an https answer carries HSTS '{hsts}', plain http "
            f"{plain} → {location}",
        )

    def _access_log(self, check: Check) -> None:
        from websockets.sync.client import connect

        if self.access_log is None:
            check.skip("the access log (pass --access-log)")
            return
        marks = {name: f"probe{secrets.token_hex(8)}" for name in ("q1", "q2", "q3", "ws")}
        with self.target.client() as client:
            client.get(f"{CS}/products?page=1&access_token={marks['q1']}&limit=2")
            client.get(f"/seller/api/?access_token={marks['q2']}")
            client.get(f"{CS}/nowhere?accessToken={marks['q3']}")
        try:
            with connect(
                f"{ws_url(self.target.base_url)}/ws/?token={marks['ws']}", open_timeout=10
            ) as ws:
                ws.recv(timeout=5)
        except Exception:  # noqa: BLE001, S110 - a refused bad token is what is expected
            pass
        time.sleep(1.5)
        text = self.access_log.read_text(errors="replace")
        leaked = [name for name, mark in marks.items() if mark in text]
        redacted = len(re.findall(r"(?:access_token|accessToken|token)=\[redacted\]", text))
        request_lines = "GET /cryptoshop/api/products?page=1&access_token=[redacted]&limit=2"
        check.expect(
            not leaked and request_lines in text,
            f"server: access log {self.access_log}: 4 credentials sent in URLs, "
            f"{len(leaked)} written ({', '.join(leaked) or 'none'}), '[redacted]' "
            f"{redacted} times",
        )

    # -- 13 ---------------------------------------------------------------------------------------
    def finding_13(self, check: Check) -> None:
        """500s from a NUL in a path or query, from JSON nested 1,000 deep, from a spec
        without a value."""
        prefixes = ("", *(f"{p}_" for p in ID_PREFIXES))
        with self.target.client() as client:
            cs_token = cs_register(client).token
            th_token = ""
            if self.techaven.mailbox is not None:
                th_token = self.techaven.signup(client).access
            issue = client.get(f"{TH}/orders/ord_%00x", headers=bearer(th_token or "x"))
            check.expect(
                issue.status_code == 400 and body_of(issue).get("message") == NUL,
                f"GET {TH}/orders/ord_%00x: {issue.status_code}",
            )
            nul_sent, nul_bad = 0, []
            deep_sent, deep_bad = 0, []
            nested = b'{"a":' * 999 + b"{}" + b"}" * 999
            for root, token, keys in ((TH, th_token, TH_KEYS), (CS, cs_token, CS_KEYS)):
                headers = bearer(token) if token else {}
                schema = served_schema(client, root)
                for route, method, query in operations(schema):
                    urls = []
                    if "{" in route:
                        urls += [root + re.sub(r"\{[^}]+\}", f"{p}%00x", route) for p in prefixes]
                    filled = root + re.sub(r"\{[^}]+\}", "x", route)
                    urls += [f"{filled}?{name}=a%00b" for name in query]
                    for url in urls:
                        answer = client.request(method.upper(), url, headers=headers)
                        nul_sent += 1
                        if answer.status_code not in (400, 404) or set(body_of(answer)) != keys:
                            nul_bad.append(f"{method.upper()} {url} {answer.status_code}")
                    if method in ("post", "put", "patch") and route != "/auth/logout":
                        answer = send(
                            client,
                            method.upper(),
                            filled,
                            content=nested,
                            headers={**headers, "Content-Type": "application/json"},
                        )
                        deep_sent += 1
                        if answer.status_code >= 500 or (
                            answer.status_code >= 400 and set(body_of(answer)) != keys
                        ):
                            deep_bad.append(f"{method.upper()} {filled} {answer.status_code}")
            check.expect(
                not nul_bad,
                f"NUL in every path and query parameter of both schemas: "
                f"{nul_sent} requests, none 500"
                if not nul_bad
                else f"NUL: {len(nul_bad)} of {nul_sent} not a 400/404 in format: "
                + ", ".join(nul_bad[:5]),
            )
            check.expect(
                not deep_bad,
                f"JSON nested 1,000 deep at all {deep_sent} POST/PUT/PATCH operations: none 500"
                if not deep_bad
                else f"deep JSON: {', '.join(deep_bad[:5])}",
            )
            shop = cs_open_shop(client)
            spec = send(
                client,
                "PUT",
                f"{CS}/products/{shop.product_id}",
                headers=bearer(shop.seller.token),
                json={"specifications": [{"key": "CPU"}]},
            )
            check.expect(
                spec.status_code == 400 and body_of(spec).get("code") == "VALIDATION_ERROR",
                f"PUT {CS}/products/{{id}} with a specification lacking value: "
                f"{spec.status_code} {body_of(spec).get('code')}",
            )
        if not th_token:
            check.skip("a signed-in Techaven sweep (pass --mail-dir)")

    # -- 14 ---------------------------------------------------------------------------------------
    def finding_14(self, check: Check) -> None:
        """Unbounded lists in bodies; entries validated before the count."""
        with self.target.client() as client:
            shop = cs_open_shop(client)
            headers = bearer(shop.seller.token)
            attacks = {
                "40,000 specifications": {"specifications": [{"key": "k", "value": "v"}] * 40_000},
                "40,000 bad images": {"images": ["not a url"] * 40_000},
                "a 10,001-character description": {"description": "x" * 10_001},
            }
            for what, change in attacks.items():
                seen, errors = [], set()
                for method, url, body in (
                    ("POST", f"{CS}/products", {"name": "Probe", "priceBtc": 0.001, **change}),
                    ("PUT", f"{CS}/products/{shop.product_id}", change),
                ):
                    started = time.monotonic()
                    answer = send(client, method, url, json=body, headers=headers)
                    took = time.monotonic() - started
                    details = body_of(answer).get("details") or {}
                    messages = [m for ms in details.values() for m in _as_list(ms)]
                    errors.add(messages[0] if len(messages) == 1 else f"{len(messages)} errors")
                    seen.append((method, answer.status_code, took))
                check.expect(
                    all(status == 400 and took < 3 for _, status, took in seen)
                    and not any(e.endswith(" errors") for e in errors),
                    f"{what}: "
                    + ", ".join(f"{m} {status} ({took:.2f} s)" for m, status, took in seen)
                    + f", '{' / '.join(sorted(errors))}'",
                )
            for root in (TH, CS):
                schema = served_schema(client, root)
                loose = uncapped_request_fields(schema)
                check.expect(
                    not loose,
                    f"{root} schema: every request string and list has a cap"
                    if not loose
                    else f"{root} uncapped: " + ", ".join(loose[:5]),
                )

    # -- 15 ---------------------------------------------------------------------------------------
    def finding_15(self, check: Check) -> None:
        """Answers that break their own schema."""
        try:
            import jsonschema
        except ImportError as exc:
            raise Unchecked("schema checks need jsonschema (installed with the tests)") from exc
        with self.target.client() as client:
            schemas = {root: to_json_schema(served_schema(client, root)) for root in (TH, CS)}

            def conforms(root: str, method: str, url: str, answer: httpx.Response) -> str:
                """'' when the answer's status is documented and its body fits; else why."""
                doc = schemas[root]
                operation = find_operation(doc, method, url.removeprefix(root))
                documented = (operation or {}).get("responses", {})
                if str(answer.status_code) not in documented:
                    return f"{answer.status_code} not documented"
                content = documented[str(answer.status_code)].get("content", {})
                if "application/json" not in content:
                    return f"{answer.status_code} documented without a JSON body"
                validator = jsonschema.Draft4Validator(
                    {**content["application/json"]["schema"], "components": doc["components"]},
                    format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER,
                )
                errors = [
                    f"{'/'.join(map(str, e.absolute_path)) or 'body'}: {e.message}"
                    for e in validator.iter_errors(answer.json())
                ]
                return "; ".join(errors[:3])

            resend = send(
                client, "POST", f"{TH}/auth/resend-otp", json={"email": 0, "type": "signup"}
            )
            wrong = conforms(TH, "post", f"{TH}/auth/resend-otp", resend)
            check.expect(
                resend.status_code == 400 and not wrong,
                f"resend-otp with email 0: {resend.status_code}, {wrong or 'fits its schema'}",
            )
            shop = cs_open_shop(client)
            headers = bearer(shop.seller.token)
            updates = {
                "/sellers/": (shop.seller_id, {"description": "Probed", "isOnline": False}),
                "/products/": (
                    shop.product_id,
                    {"name": "Probe VPN 2", "specifications": [{"key": "CPU", "value": "M2"}]},
                ),
            }
            for route, (object_id, change) in updates.items():
                url = f"{CS}{route}{object_id}"
                answer = send(client, "PUT", url, json=change, headers=headers)
                wrong = conforms(CS, "put", url, answer)
                check.expect(
                    answer.status_code == 200 and not wrong,
                    f"PUT {route}{{id}}: {answer.status_code}, {wrong or 'fits its schema'}",
                )


def _runs(statuses: list[int]) -> str:
    """[401, 401, 429] → '401×2, 429'."""
    runs: list[list[int]] = []
    for status in statuses:
        if runs and runs[-1][0] == status:
            runs[-1][1] += 1
        else:
            runs.append([status, 1])
    return ", ".join(f"{s}×{n}" if n > 1 else str(s) for s, n in runs)


def _ws_end(ws: Any, timeout: float) -> tuple[str, int | None]:
    """Read a WebSocket until it closes: the last error it sent and the close code;
    ("", None) when it is still open after `timeout` seconds."""
    from websockets.exceptions import ConnectionClosed

    told = ""
    deadline = time.monotonic() + timeout
    try:
        while (left := deadline - time.monotonic()) > 0:
            message = json.loads(ws.recv(timeout=left))
            if message.get("event") == "error":
                told = message.get("data", {}).get("message", "")
    except ConnectionClosed as closed:
        return told, closed.rcvd.code if closed.rcvd else None
    except TimeoutError:
        pass
    return "", None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code < 500
    except httpx.TransportError:
        return False


class SocketIOListener:
    """A Socket.IO client signed in with `token`, as the CryptoShop app connects, keeping
    the `error` events it hears."""

    def __init__(self, base_url: str, token: str) -> None:
        import socketio

        self.errors: list[Any] = []
        self.client = socketio.Client(reconnection=False)
        self.client.on("error", lambda data=None: self.errors.append(data))
        self.client.connect(
            base_url, auth={"accessToken": token}, transports=["websocket"], wait_timeout=10
        )

    @property
    def connected(self) -> bool:
        return self.client.connected

    def told_session_ended(self) -> bool:
        return not self.connected and {"message": SESSION_ENDED} in self.errors

    def close(self) -> None:
        self.client.disconnect()


def _csp_problem(answer: httpx.Response) -> str:
    """Why a page's Content-Security-Policy would let injected markup run, or ''."""
    if answer.status_code != 200:
        return f"answered {answer.status_code}"
    header = answer.headers.get("Content-Security-Policy", "")
    if not header:
        return "no Content-Security-Policy"
    policy = {d.split()[0]: d.split()[1:] for d in header.split(";") if d.strip()}
    scripts = policy.get("script-src", policy.get("default-src"))
    if not scripts:
        return "no script-src"
    if {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} & set(scripts):
        return f"script-src {' '.join(scripts)}"
    if policy.get("object-src") != ["'none'"] or "frame-ancestors" not in policy:
        return "object-src or frame-ancestors missing"
    inline = re.findall(
        r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>|"
        r"\son[a-z]+=\"",
        answer.text,
    )
    return f"{len(inline)} inline scripts or handlers" if inline else ""


# --- the served OpenAPI documents --------------------------------------------------------------
def served_schema(client: httpx.Client, root: str) -> dict[str, Any]:
    answer = send(client, "GET", f"{root}/schema/", params={"format": "json"})
    if answer.status_code != 200:
        raise Unchecked(f"{root}/schema/ answered {answer.status_code}")
    return answer.json()


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, list[str]]]:
    """(route without the server's prefix, method, query parameter names) of each operation."""
    prefix = urlsplit(schema.get("servers", [{}])[0].get("url", "")).path.rstrip("/")
    for route, methods in schema["paths"].items():
        for method, operation in methods.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            yield route.removeprefix(prefix).removeprefix("/api"), method, query


def find_operation(doc: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    """The operation serving `path` (literal routes before templated ones)."""
    path = path.split("?", 1)[0]
    for template, methods in sorted(doc["paths"].items(), key=lambda t: t[0].count("{")):
        route = template.removeprefix("/api")
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(route)) + "$"
        if re.match(pattern, path) and method in methods:
            return methods[method]
    return None


BOUNDED_FORMATS = {"date", "date-time", "binary", "decimal"}


def uncapped_request_fields(schema: dict[str, Any]) -> list[str]:
    """Where a request body lets a client send a string, list or object of any size."""
    components = schema.get("components", {}).get("schemas", {})

    def walk(node: dict[str, Any], where: str, seen: tuple[str, ...]) -> list[str]:
        if "$ref" in node:
            name = node["$ref"].split("/")[-1]
            return [] if name in seen else walk(components[name], where, (*seen, name))
        found = []
        for key in ("allOf", "oneOf", "anyOf"):
            for sub in node.get(key, []):
                found += walk(sub, where, seen)
        kind = node.get("type")
        if kind == "string" and not (
            "maxLength" in node or "enum" in node or node.get("format") in BOUNDED_FORMATS
        ):
            found.append(where)
        if kind == "array":
            if "maxItems" not in node:
                found.append(f"{where} (count)")
            found += walk(node.get("items", {}), f"{where}[]", seen)
        extra = node.get("additionalProperties")
        if extra not in (None, False) and "maxProperties" not in node:
            found.append(f"{where} (keys)")
        for name, sub in node.get("properties", {}).items():
            if not sub.get("readOnly"):
                found += walk(sub, f"{where}.{name}", seen)
        return found

    found = []
    for route, methods in schema["paths"].items():
        for method, operation in methods.items():
            if not isinstance(operation, dict):
                continue
            for media, body in operation.get("requestBody", {}).get("content", {}).items():
                found += walk(body["schema"], f"{method} {route} {media}", ())
    return found


# --- running -------------------------------------------------------------------------------------
FINDINGS = range(1, 16)


def run(probe: Probe, only: list[int]) -> list[Verdict]:
    verdicts = []
    for number in only:
        attack: Callable[[Check], None] = getattr(probe, f"finding_{number}")
        probe.target.say(f"finding {number}: {' '.join((attack.__doc__ or '').split())}")
        started = time.monotonic()
        check, problem = Check(number), ""
        try:
            attack(check)
        except Unchecked as exc:
            problem = str(exc)
        except Exception as exc:  # noqa: BLE001 - one check that breaks must not hide the rest
            problem = f"{type(exc).__name__}: {exc}"
            if probe.target.verbose:
                traceback.print_exc()
        verdict = verdict_of(check, problem)
        probe.target.say(f"finding {number} took {time.monotonic() - started:.1f} s")
        print(verdict.line(), flush=True)
        verdicts.append(verdict)
    return verdicts


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Attack a running Duka again for each of issue 12's 15 findings.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Exit status: 0 all closed, 1 any OPEN, 2 any UNCHECKED (and none OPEN).",
    )
    parser.add_argument(
        "--base-url", default="http://127.0.0.1:8000", help="the server, e.g. http://127.0.0.1:8010"
    )
    parser.add_argument(
        "--mail-dir",
        type=Path,
        help="where the server's e-mail lands (EMAIL_URL=filemail:////DIR): Techaven codes",
    )
    parser.add_argument(
        "--setup",
        action="store_true",
        help="server-side setup: make the probe's staff and seller accounts "
        "with manage.py shell (this environment must be the server's)",
    )
    parser.add_argument(
        "--server-checks",
        action="store_true",
        help="also run the server-side checks (findings 1, 3, 5, 7, 11, 12)",
    )
    parser.add_argument(
        "--access-log", type=Path, help="the server's access log (uvicorn's stdout), for finding 12"
    )
    parser.add_argument(
        "--https-url",
        help="the same server behind its TLS proxy, if any: "
        "HSTS is checked on a live HTTPS answer too",
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=ROOT,
        help="the Duka checkout the server runs from (default: this one)",
    )
    parser.add_argument(
        "--only", default="", help="comma-separated finding numbers (default: all 15)"
    )
    parser.add_argument(
        "--source-addresses",
        choices=("auto", "none"),
        default="auto",
        help="auto: each client from its own 127.x address when the server is on loopback",
    )
    parser.add_argument(
        "--auth-grace",
        type=float,
        default=30.0,
        help="the server's REALTIME_AUTH_GRACE_SECONDS (default 30)",
    )
    parser.add_argument(
        "--body-limit",
        type=int,
        default=12 * MB,
        help="the server's MAX_REQUEST_BODY_BYTES (default 12 MB)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="narrate on stderr")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        only = [int(n) for n in args.only.split(",") if n.strip()] or list(FINDINGS)
    except ValueError:
        only = []
    if not only or not set(only) <= set(FINDINGS):
        raise SystemExit(f"--only takes numbers from 1 to 15, not {args.only!r}")
    target = Target(
        args.base_url.rstrip("/"), Addresses(args.base_url, args.source_addresses), args.verbose
    )
    mailbox = Mailbox(args.mail_dir) if args.mail_dir else None
    server = Server(args.project_dir) if (args.setup or args.server_checks) else None
    accounts = None
    if args.setup:
        assert server is not None
        target.say("server-side setup: manage.py shell makes the staff and seller accounts")
        try:
            accounts = server.shell(SETUP_CODE)
        except Unchecked as exc:
            print(f"--setup failed: {exc}", file=sys.stderr)
            return 2
    probe = Probe(
        target=target,
        techaven=Techaven(mailbox, secrets.token_hex(4)),
        server=server if args.server_checks else None,
        accounts=accounts,
        access_log=args.access_log,
        https_url=args.https_url,
        auth_grace=args.auth_grace,
        body_limit=args.body_limit,
    )
    verdicts = run(probe, only)
    statuses = {v.status for v in verdicts}
    return 1 if "OPEN" in statuses else 2 if "UNCHECKED" in statuses else 0


if __name__ == "__main__":
    sys.exit(main())
