"""The guard that holds every write path to the page cache's rules (catalog/pagecache.py).

Production code asks for the invalidation it needs where it writes (`catalog_changed()`,
`stock_changed(ids)`); nothing there parses SQL. Here, in the tests, every statement the
code runs goes through `Guard.watch`, which recognises a write to a table the cached pages
read (`WATCHED`, `classify`). A write made by the code under test (the innermost frame of
this repository that is not a test or a factory) must be covered by a request of the
same transaction, or by one made once it committed; a write the commit leaves uncovered
fails the test at its teardown, naming the statement and where it came from.

A write made by the tests themselves (a factory, a direct `update`) drops every page at
once, as an operator's tool would be expected to: tests set up rows freely and read pages
as they are.

The page cache's invalidations run after the commit. Inside a test's transaction (Django's
TestCase, which pytest-django's `db` uses) nothing ever commits, so the guard also runs them
when the code's outermost atomic block exits without error, and at once outside any (as
autocommit would), rather than through `on_commit`.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.signals import connection_created

from catalog import pagecache

ROOT = str(Path(__file__).resolve().parents[2]) + "/"

# table → (columns no cached page shows, or the only columns one shows); an UPDATE that
# sets only unshown columns leaves the pages as they are. Every table a cached page reads
# is here: tests/catalog/test_pagecache.py records the tables each cached endpoint reads.
ALL_BUT = "all but"
ONLY = "only"
WATCHED: dict[str, tuple[str, frozenset[str]]] = {
    "catalog_product": (ALL_BUT, frozenset({"view_count"})),
    "catalog_productimage": (ALL_BUT, frozenset()),
    "catalog_shop": (ALL_BUT, frozenset()),
    "catalog_category": (ALL_BUT, frozenset()),
    "catalog_searchterm": (ALL_BUT, frozenset()),
    "accounts_user": (ONLY, frozenset({"username", "avatar"})),
}
# what a stock change writes: only the pages showing the product need to go
STOCK_COLUMNS = frozenset({"stock_quantity"})

CATALOG = "catalog"
STOCK = "stock"

_WRITE = re.compile(r'\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
_SET_COLUMN = re.compile(r'"(\w+)"\s*=')
_BY_ID = re.compile(r'"catalog_product"\."id"\s*(?:=\s*%s|IN\s*\(((?:%s,?\s*)+)\))\s*$')


def classify(sql: str, params=None) -> tuple[str, frozenset[int] | None] | None:
    """What a statement changes on the pages: None (nothing shown), (CATALOG, None), or
    (STOCK, the products' ids, None when they cannot be read off the statement)."""
    if sql[:8].upper().startswith("TRUNCATE"):
        return (CATALOG, None) if any(table in sql for table in WATCHED) else None
    match = _WRITE.match(sql)
    if match is None:
        return None
    verb, table = match.group(1).upper(), match.group(2)
    rule = WATCHED.get(table)
    if rule is None:
        return None
    kind, columns = rule
    if verb.startswith("INSERT"):
        # a new user is on no page until a shop names them
        return (CATALOG, None) if kind == ALL_BUT else None
    if verb != "UPDATE":
        return CATALOG, None
    set_clause, _, where = sql[match.end() :].partition(" WHERE ")
    written = set(_SET_COLUMN.findall(_outside_parentheses(set_clause)))
    if kind == ONLY:
        return (CATALOG, None) if written & columns else None
    if written and written <= columns:
        return None
    if table == "catalog_product" and written and written <= STOCK_COLUMNS:
        return STOCK, _product_ids(where, params)
    return CATALOG, None


def _product_ids(where: str, params) -> frozenset[int] | None:
    by_id = _BY_ID.search(where)
    if by_id is None or not isinstance(params, list | tuple):
        return None
    count = by_id.group(1).count("%s") if by_id.group(1) else 1
    return frozenset(int(p) for p in params[-count:])


def _outside_parentheses(text: str) -> str:
    """`"a" = ("t"."a" + CASE WHEN ("t"."id" = %s) …)` → `"a" = `: the columns a SET assigns
    are the ones at the top level; the others are read in its expressions."""
    depth, kept = 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            kept.append(ch)
    return "".join(kept)


def _origin() -> tuple[bool, str]:
    """(written by the tests?, where): the innermost frame of this repository's code; the
    tests' when a factory is on the way (a factory may call the code's helpers)."""
    frame, found = sys._getframe(2), None
    while frame is not None:
        name = frame.f_code.co_filename
        if (
            name.startswith(ROOT)
            and "/.venv/" not in name
            and "/site-packages/" not in name
            and name != __file__
        ):
            if name.startswith(ROOT + "tests/factories/") or name.endswith("/factories.py"):
                return True, f"{name[len(ROOT) :]}:{frame.f_lineno}"
            if found is None:
                test = name.startswith(ROOT + "tests/")
                found = test, f"{name[len(ROOT) :]}:{frame.f_lineno}"
        frame = frame.f_back
    return found or (True, "?")


@dataclass
class Write:
    kind: str
    ids: frozenset[int] | None
    sql: str
    where: str

    def covered_by(self, requests: list[tuple[str, frozenset[int]]]) -> bool:
        if any(kind == CATALOG for kind, _ in requests):
            return True
        if self.kind != STOCK:
            return False
        asked = frozenset().union(*(ids for kind, ids in requests if kind == STOCK))
        return bool(asked) if self.ids is None else self.ids <= asked


@dataclass
class _Transaction:
    writes: list[Write] = field(default_factory=list)
    requests: list[tuple[str, frozenset[int]]] = field(default_factory=list)
    callbacks: list[Callable[[], None]] = field(default_factory=list)


@dataclass
class _ConnectionState:
    open: _Transaction = field(default_factory=_Transaction)
    # the code's writes left uncovered so far: committed, waiting for a request
    loose: list[Write] = field(default_factory=list)


def _request_of(func: Callable[[], None]) -> tuple[str, frozenset[int]]:
    if isinstance(func, functools.partial) and func.func is pagecache.drop_products:
        return STOCK, frozenset(func.args[0])
    return CATALOG, frozenset()


def _code_depth(connection) -> int:
    """Atomic blocks the code opened (the test's own are not counted)."""
    return sum(1 for block in connection.atomic_blocks if not block._from_testcase)


class Guard:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.watched: list = []  # the connections it watches
        self._states: dict[int, tuple[object, _ConnectionState]] = {}

    def state(self, connection) -> _ConnectionState:
        key = id(connection)
        if key not in self._states:
            self._states[key] = (connection, _ConnectionState())
        return self._states[key][1]

    # --- what the code does -----------------------------------------------------------

    def watch(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if isinstance(sql, str) and sql.lstrip()[:1] in "IUDTiudt":
            change = classify(sql, None if many else params)
            if change is not None:
                self._written(context["connection"], change, sql)
        return result

    def _written(self, connection, change: tuple[str, frozenset[int] | None], sql: str) -> None:
        test, where = _origin()
        if test:  # the tests' own rows: every page goes, at once and at the commit
            pagecache.invalidate()
            if _code_depth(connection):
                self.state(connection).open.callbacks.append(pagecache.invalidate)
            return
        write = Write(change[0], change[1], sql, where)
        state = self.state(connection)
        if _code_depth(connection):
            state.open.writes.append(write)
        else:
            state.loose.append(write)

    def after_commit(self, func: Callable[[], None]) -> None:
        """Stands in for pagecache._after_commit."""
        connection = transaction.get_connection()
        state = self.state(connection)
        request = _request_of(func)
        if _code_depth(connection):
            state.open.requests.append(request)
            state.open.callbacks.append(func)
            return
        state.loose = [w for w in state.loose if not w.covered_by([request])]
        func()

    def block_exited(self, connection, committed: bool) -> None:
        """The code's outermost atomic block exited: its transaction committed (as far as
        the code can tell) or rolled back."""
        state = self.state(connection)
        done, state.open = state.open, _Transaction()
        if not committed:
            return
        state.loose.extend(w for w in done.writes if not w.covered_by(done.requests))
        for func in done.callbacks:
            func()  # they never raise (catalog/pagecache.py)

    # --- the verdict ------------------------------------------------------------------

    def verdict(self) -> list[str]:
        for _, state in self._states.values():
            self.failures.extend(
                f"{w.where}: {' '.join(w.sql.split())[:160]} (needs pagecache."
                f"{'stock_changed' if w.kind == STOCK else 'catalog_changed'}"
                f"{'(' + str(sorted(w.ids)) + ')' if w.ids else '()'})"
                for w in state.loose
            )
            state.loose = []
        return self.failures

    def forget(self) -> None:
        """A test that made the guard fail on purpose takes its failures back."""
        self.verdict()
        self.failures.clear()


def install(monkeypatch) -> Guard:
    """Watch every connection and stand in for the page cache's on_commit (module docs);
    `uninstall` takes the watch off again."""
    guard = Guard()

    def add_wrapper(connection, **kwargs) -> None:
        if guard.watch not in connection.execute_wrappers:
            connection.execute_wrappers.append(guard.watch)
            guard.watched.append(connection)

    add_wrapper(connections[DEFAULT_DB_ALIAS])
    connection_created.connect(add_wrapper, weak=False, dispatch_uid=_DISPATCH_UID)
    monkeypatch.setattr(pagecache, "_after_commit", guard.after_commit)

    original_exit = transaction.Atomic.__exit__

    def exit_(self, exc_type, exc_value, traceback):
        connection = transaction.get_connection(self.using)
        rolling_back = exc_type is not None or connection.needs_rollback
        committed = False
        try:
            result = original_exit(self, exc_type, exc_value, traceback)
            committed = not rolling_back
            return result
        finally:
            if not self._from_testcase and _code_depth(connection) == 0:
                guard.block_exited(connection, committed)

    monkeypatch.setattr(transaction.Atomic, "__exit__", exit_)
    return guard


_DISPATCH_UID = "tests.helpers.pagecache"


def uninstall(guard: Guard) -> None:
    connection_created.disconnect(dispatch_uid=_DISPATCH_UID)
    for connection in guard.watched:
        if guard.watch in connection.execute_wrappers:
            connection.execute_wrappers.remove(guard.watch)
    guard.watched.clear()
