"""Fixed-window rate limits counted in the cache (Redis when `REDIS_URL` is set).

Every process increments the same key, so several ASGI workers share one budget.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache


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
    count: int
    reset_at: int  # epoch seconds when the window ends

    @property
    def allowed(self) -> bool:
        return self.count <= self.rule.limit

    @property
    def remaining(self) -> int:
        return max(0, self.rule.limit - self.count)

    @property
    def retry_after(self) -> int:
        return max(1, self.reset_at - int(time.time()))

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.rule.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_at),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


def hit(rule: Rule, ident: str) -> Verdict:
    """Count one request by `ident` against `rule` and say whether it is allowed."""
    now = int(time.time())
    window_start = now - now % rule.window
    key = f"rl:{rule.scope}:{ident}:{window_start}"
    cache.add(key, 0, timeout=rule.window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.add(key, 1, timeout=rule.window + 5)
        count = 1
    return Verdict(rule=rule, count=count, reset_at=window_start + rule.window)
