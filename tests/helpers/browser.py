"""What every browser test shares: Debian's Chromium driven by Playwright (never
`playwright install`), the marks that skip a test without them, and one way to launch it."""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"

BROWSER_TEST = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (os.path.exists(CHROMIUM) or shutil.which("chromium")),
        reason="needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)",
    ),
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None,
        reason="needs the playwright Python package (pip install -r requirements.txt)",
    ),
]

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch(playwright):
    """Headless Chromium from Debian's package."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
