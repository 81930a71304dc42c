"""Sliding-window rate limits, shared by every process through Redis when `REDIS_URL` is set.

"10 per minute" holds for every 60-second span, not per clock minute: a fixed window let a
client send twice the limit across a window's edge (security finding 11). Each request
that is let through is recorded with its time in a sorted set per (rule, caller); a request
is allowed while fewer than `limit` were let through in the last `window` seconds. Refused
requests are not recorded, so a client that keeps knocking gets in again as soon as its
oldest request leaves the window (`X-RateLimit-Reset`, `Retry-After`).

On the embedded default (a process-local cache) the same log lives in the process.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from django.conf import settings

from core.cache import shared_redis


@dataclass(frozen=True, slots=True)
class Rule:
    scope: str
    limit: int
    window: int  # seconds
    # when the counters cannot be reached: refuse (503) rather than serve unlimited, for
    # the limits that guard passwords and codes; the others serve without a limit
    required: bool = False


@dataclass(frozen=True, slots=True)
class Verdict:
    rule: Rule
    count: int  # requests in the window, this one included (limit + 1 when refused)
    reset_at: int  # epoch seconds when the oldest request leaves the window

    @property
    def allowed(self) -> bool:
        return self.count <= self.rule.limit

    @property
    def remaining(self) -> int:
        return max(0, self.rule.limit - self.count)

    @property
    def retry_after(self) -> int:
        return min(self.rule.window, max(1, self.reset_at - int(time.time())))

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.rule.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_at),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


# KEYS[1] the caller's log; ARGV: now (ms), window (ms), limit, a unique member.
# Returns {requests in the window including this one (limit + 1 if refused), oldest (ms)}.
_SLIDING_LOG = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count < limit then
    redis.call('ZADD', key, now, ARGV[4])
    count = count + 1
else
    count = limit + 1
end
redis.call('PEXPIRE', key, window)
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]
return {count, tonumber(oldest or now)}
"""


def hit(rule: Rule, ident: str) -> Verdict:
    """Count one request by `ident` against `rule` and say whether it is allowed."""
    now_ms = int(time.time() * 1000)
    window_ms = rule.window * 1000
    client = shared_redis()
    if client is not None:
        key = f"{settings.CACHE_KEY_PREFIX}:rl:{rule.scope}:{ident}"
        count, oldest_ms = client.eval(
            _SLIDING_LOG, 1, key, now_ms, window_ms, rule.limit, f"{now_ms}-{secrets.token_hex(4)}"
        )
    else:
        count, oldest_ms = _local_hit(f"{rule.scope}:{ident}", now_ms, window_ms, rule.limit)
    reset_at = math.ceil((int(oldest_ms) + window_ms) / 1000)
    return Verdict(rule=rule, count=int(count), reset_at=reset_at)


_local_logs: dict[str, deque[int]] = {}
_local_lock = threading.Lock()


def _local_hit(key: str, now_ms: int, window_ms: int, limit: int) -> tuple[int, int]:
    """The same sliding log in this process (the embedded default has no Redis)."""
    with _local_lock:
        log = _local_logs.setdefault(key, deque())
        while log and log[0] <= now_ms - window_ms:
            log.popleft()
        if len(log) < limit:
            log.append(now_ms)
            count = len(log)
        else:
            count = limit + 1
        oldest = log[0] if log else now_ms
        if not log:
            _local_logs.pop(key, None)
        return count, oldest


def local_reset() -> None:
    """Forget this process's logs (tests: each starts with fresh budgets)."""
    with _local_lock:
        _local_logs.clear()
