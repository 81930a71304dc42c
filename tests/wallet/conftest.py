"""Fixtures of the wallet tests: Techaven buyers with funded wallets, through the real top-up
path (the sandbox page's decision and its signed callback)."""

from __future__ import annotations
