"""A payment provider that takes 200 ms to open a payment, for the bench's checkout variant.

Issue 14: "a 200 ms provider does not lower that" (checkout throughput and p99). Duka's
sandbox answers at once; this subclass waits first, as a provider's HTTP API would. It is
configuration, not application code: bench/run.py starts Duka with

    PAYMENT_PROVIDERS='{"tnm_mpamba": "bench.providers.SlowSandboxProvider"}'

so that buyers paying with TNM Mpamba wait on it, while Airtel Money stays the plain
sandbox. Being a `SandboxProvider`, it runs only with `PAYMENTS_SANDBOX=true`.
"""

from __future__ import annotations

import os
import time

from wallet.providers import Initiation, SandboxProvider

DELAY_SECONDS = float(os.environ.get("BENCH_PROVIDER_DELAY_MS", "200")) / 1000


class SlowSandboxProvider(SandboxProvider):
    """The sandbox, `BENCH_PROVIDER_DELAY_MS` (200) slower to open each payment."""

    def initiate(
        self, *, reference: str, amount_minor: int, currency: str, phone: str
    ) -> Initiation:
        time.sleep(DELAY_SECONDS)
        return super().initiate(
            reference=reference, amount_minor=amount_minor, currency=currency, phone=phone
        )
