"""requirements.txt is what runs in production; requirements-dev.txt adds tests and tooling.

Every pin is exact, no package is in both files, and no module outside tests/ imports a
package that only requirements-dev.txt installs: a child process refuses those imports,
starts Django with the production settings' checks and imports every module of every app
(the model factories live in tests/factories, so none is excepted).
"""

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[[a-z,]+\])?==[0-9][0-9A-Za-z.+!-]*$")

# what requirements-dev.txt installs that runtime code must never import (top-level modules)
DEV_ONLY_MODULES = [
    "pytest",
    "_pytest",
    "pytest_django",
    "xdist",
    "factory",
    "faker",
    "aiosmtpd",
    "requests",
    "websocket",
    "playwright",
    "schemathesis",
    "hypothesis",
    "ruff",
]
APPS = [
    "accounts",
    "catalog",
    "config",
    "core",
    "escrow",
    "notifications",
    "orders",
    "storefronts",
    "support",
    "wallet",
]


def _pins(name: str) -> dict[str, str]:
    pins = {}
    for raw in (ROOT / name).read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line == "-r requirements.txt":
            continue
        match = PIN.match(line)
        assert match, f"{name}: {raw!r} is not an exact pin (name==version)"
        package = match["name"].lower().replace("_", "-")
        # both files merge as a union of lines: two branches pinning one package twice
        assert package not in pins, f"{name}: {package} is pinned twice"
        pins[package] = line
    return pins


def test_pins_are_exact_and_each_package_is_in_one_file():
    runtime, dev = _pins("requirements.txt"), _pins("requirements-dev.txt")
    assert not set(runtime) & set(dev)
    assert {"pytest", "ruff", "playwright", "aiosmtpd", "schemathesis", "factory-boy"} <= set(dev)
    first = next(
        line
        for line in (ROOT / "requirements-dev.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    assert first == "-r requirements.txt"


IMPORT_EVERYTHING = textwrap.dedent(
    """
    import importlib, importlib.abc, os, pkgutil, sys

    DEV_ONLY = set(sys.argv[1].split(","))
    APPS = sys.argv[2].split(",")

    class RefuseDevOnly(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in DEV_ONLY:
                raise ImportError(f"{name} is installed by requirements-dev.txt only")
            return None

    for name in list(sys.modules):  # nothing dev-only is loaded yet; make sure
        if name.split(".")[0] in DEV_ONLY:
            del sys.modules[name]
    sys.meta_path.insert(0, RefuseDevOnly())
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    imported = 0
    for app in APPS:
        package = importlib.import_module(app)
        names = [app] + [
            info.name
            for info in pkgutil.walk_packages(package.__path__, prefix=app + ".")
        ]
        for name in names:
            importlib.import_module(name)
            imported += 1
    print(imported)
    """
)


@pytest.mark.slow
def test_runtime_code_imports_nothing_dev_only():
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING, ",".join(DEV_ONLY_MODULES), ",".join(APPS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout.split()[-1]) > 100
