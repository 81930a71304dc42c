"""The import arrows run one way: `storefronts/` and each app's `api/` → services and
selectors → models → `core`, and between the domain apps only from the one that depends to
the one it depends on. Read from the source with `ast`, so an import inside a function
counts as much as one at the top of a module:

- no two domain apps depend on each other, directly or through others: an app that must
  reach one that depends on it offers a hook, which that app registers in its
  `AppConfig.ready` (`wallet/outcomes.py`, `catalog/purchases.py`, `accounts/hooks.py`);
- no domain module imports the API layer (`storefronts`, any app's `api` package), and
  `core` imports no app at all;
- every module of every domain app imports.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from core.apps import DOMAIN_APPS

ROOT = Path(settings.BASE_DIR)
LAYERED = ("core", *DOMAIN_APPS)
# Demo data and test factories build scenarios across apps (seed_demo runs the demos in
# DOMAIN_APPS order, as the tests use the factories): they sit above the apps, not in them.
SCENARIO_MODULES = frozenset({"demo", "factories"})
# Domain modules that stand at the API's edge and may use its authentication: the sockets'
# sign-in accepts the storefronts' own tokens.
API_EDGE = frozenset({"notifications.realtime_auth"})


def _modules(app: str) -> Iterator[tuple[str, Path]]:
    for path in sorted((ROOT / app).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "migrations" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _is_api(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == "storefronts" or (parts[0] in LAYERED and parts[1:2] == ["api"])


def _imports(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """What `module` imports, with the line: `from a import b` gives a, and a.b too (b may
    be a module, `from catalog import api`)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield target, node.lineno
            for alias in node.names:
                yield f"{target}.{alias.name}", node.lineno


def _where(found: list[tuple[str, int, str]]) -> list[str]:
    """One line per import statement: `module:line imports target`."""
    lines: dict[tuple[str, int], str] = {}
    for module, line, target in found:
        lines.setdefault((module, line), f"{module}:{line} imports {target}")
    return list(lines.values())


def _app_of(module: str) -> str:
    return module.split(".")[0]


def _dependencies() -> dict[str, dict[str, list[tuple[str, int, str]]]]:
    """app → the other layered apps its modules import → the imports (module, line, target)."""
    graph: dict[str, dict[str, list[tuple[str, int, str]]]] = {app: {} for app in LAYERED}
    for app in LAYERED:
        for module, path in _modules(app):
            if _is_api(module) or module.split(".")[-1] in SCENARIO_MODULES:
                continue
            for target, line in _imports(module, path):
                other = _app_of(target)
                if other in LAYERED and other != app and not _is_api(target):
                    graph[app].setdefault(other, []).append((module, line, target))
    return graph


def _cycles(graph: dict[str, dict[str, list]]) -> list[list[str]]:
    """The groups of apps that depend on each other (Tarjan's strongly connected
    components of more than one app)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(app: str) -> None:
        index[app] = low[app] = len(index)
        stack.append(app)
        for other in graph[app]:
            if other not in index:
                visit(other)
                low[app] = min(low[app], low[other])
            elif other in stack:
                low[app] = min(low[app], index[other])
        if low[app] == index[app]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == app:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for app in graph:
        if app not in index:
            visit(app)
    return groups


def test_no_import_cycle_between_apps():
    graph = _dependencies()
    problems = []
    for group in _cycles(graph):
        edges = [
            f"  {a} → {b}:\n" + "\n".join(f"    {w}" for w in _where(graph[a][b]))
            for a in group
            for b in group
            if b in graph[a]
        ]
        problems.append(f"{', '.join(group)} depend on each other:\n" + "\n".join(edges))
    assert not problems, "\n".join(problems)


def test_domain_modules_never_import_the_api_layer():
    found = []
    for app in LAYERED:
        for module, path in _modules(app):
            if _is_api(module) or module in API_EDGE:
                continue
            found += [(module, line, t) for t, line in _imports(module, path) if _is_api(t)]
    assert not found, "\n".join(_where(found))


def test_core_imports_no_app():
    found = [
        (module, line, target)
        for module, path in _modules("core")
        for target, line in _imports(module, path)
        if _app_of(target) in (*DOMAIN_APPS, "storefronts", "config")
    ]
    assert not found, "\n".join(_where(found))


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_every_module_of_the_app_imports(app):
    for module, _ in _modules(app):
        importlib.import_module(module)
