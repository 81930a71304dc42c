"""Queries the ORM compiles once: the SQL of a hot, fixed-shape read, kept and sent again
with new parameters.

Building a queryset and compiling it to SQL cost more CPU than PostgreSQL spent running it
(a Techaven product list page compiled four small queries: about a third of its time).
`prepared_rows` keeps, for each shape the caller names (`key`), the SQL and the column
converters of a `values_list()` queryset, as the ORM compiled them the first time, and
later runs that SQL with the parameters of the call. Results are exactly what the queryset
would give: the same SQL, the same converters (booleans and dates on SQLite, JSON...).

The caller states the parameters in the order the SQL takes them. The first compile of
each shape checks that they are exactly the ones the ORM produced, so a wrong order fails
at once (in the tests of that shape) instead of reading the wrong rows. Put the shape's
variable parts (how many ids an `IN` lists, which filters apply) in the key.

Only strings and integers of 32 bits go into kept SQL as parameters. The ORM writes some
values into the SQL itself: None becomes IS NULL, and an integer its column cannot hold
drops its condition or empties the result. A call with any other value is compiled on its
own, as the ORM would compile it, and nothing is kept from it. Nothing is kept either from
a compile that found the query can match nothing. Ids and prices past 2**31 are rare
enough to be compiled each time.

`prepared_objects` reads model instances the same way, with forward relations attached as
`select_related` attaches them.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet

from core.paging import Page

# shapes kept per process; beyond it a new shape is compiled every time (a bug that keys
# on values would otherwise grow the table without end)
MAX_SHAPES = 2000


@dataclass(frozen=True, slots=True)
class _Statement:
    sql: str
    # column position -> (converter functions, the column's expression): Django's own,
    # pure functions of the value (the connection is passed in on each call)
    converters: tuple[tuple[int, tuple[list[Callable], Any]], ...]


_statements: dict[tuple[str, Hashable], _Statement] = {}
_lock = threading.Lock()


class ParametersOutOfOrder(AssertionError):
    """The parameters a caller stated are not those the ORM compiled: a bug at the caller."""


def _check(stated: Sequence[Any], compiled: Sequence[Any]) -> None:
    if list(stated) != list(compiled):
        raise ParametersOutOfOrder(f"stated {list(stated)!r}, compiled {list(compiled)!r}")


# integers any integer column holds (a 32-bit one included)
_PLAIN_INT = range(-(2**31), 2**31)


def _plain(params: Sequence[Any]) -> bool:
    """Only strings and integers any integer column holds go into kept SQL. The ORM writes
    other values into the SQL itself (None becomes IS NULL; an integer out of its column's
    range drops its condition or empties the result): such a call is compiled on its own."""
    return all(
        isinstance(p, str) or (type(p) is int and p in _PLAIN_INT) for p in params
    )  # not bool: the ORM may write True/False into the SQL


def _compile(
    qs: QuerySet, params: Sequence[Any], using: str, *, check: bool
) -> tuple[_Statement, Sequence[Any]]:
    """The queryset's statement, and the parameters the ORM compiled for this call."""
    compiler = qs.query.get_compiler(using=using)
    try:
        sql, compiled = compiler.as_sql()
    except EmptyResultSet:  # the ORM sends no SQL for what can match nothing (`__in=[]`)
        return _Statement("", ()), ()
    if check:
        _check(params, compiled)
    columns = [selected[0] for selected in compiler.select[: compiler.col_count]]
    return _Statement(sql, tuple(compiler.get_converters(columns).items())), compiled


def _keep(key: tuple, statement: _Statement) -> None:
    with _lock:
        if len(_statements) < MAX_SHAPES:
            _statements[key] = statement


def prepared_rows(
    key: Hashable,
    build: Callable[[], QuerySet],
    params: Sequence[Any],
    *,
    window: tuple[int, int] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> list[tuple]:
    """The rows of the `values_list()` queryset that `build()` makes, whose parameters are
    `params` in SQL order; `build` is only called the first time `key` is seen. `window`:
    (offset, limit), what slicing the queryset would read (a page), sent as parameters."""
    plain = _plain(params)
    statement = _statements.get((using, key)) if plain else None
    if statement is None:
        statement, params = _compile(build(), params, using, check=plain)
        # what matches nothing for these values may match rows for others: not kept
        if plain and statement.sql:
            _keep((using, key), statement)
    sql = statement.sql
    if not sql:
        return []
    if window is not None:
        sql, params = f"{sql} LIMIT %s OFFSET %s", [*params, window[1], window[0]]
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not statement.converters:
        return rows
    converted = []
    for row in rows:
        row = list(row)
        for position, (functions, expression) in statement.converters:
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        converted.append(tuple(row))
    return converted


@dataclass(frozen=True, slots=True)
class _Part:
    """One model of a `prepared_objects` row: where it hangs (`path`, "" for the row's own
    model), its columns' attribute names and where they sit in the row."""

    path: str
    model: type[Model]
    attnames: tuple[str, ...]
    start: int
    pk_at: int


@functools.cache
def _parts(
    model: type[Model], related: tuple[str, ...], defer: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[_Part, ...]]:
    """The columns to read for `model` and its `related` paths (parents listed first), less
    `model`'s `defer`red fields, and how they split into instances."""
    columns: list[str] = []
    parts = []
    for path in ("", *related):
        target = model
        for name in path.split("__") if path else ():
            target = target._meta.get_field(name).related_model
        fields = [f for f in target._meta.concrete_fields if path or f.name not in defer]
        prefix = f"{path}__" if path else ""
        start = len(columns)
        columns += [prefix + f.name for f in fields]
        pk_at = start + [f.attname for f in fields].index(target._meta.pk.attname)
        parts.append(_Part(path, target, tuple(f.attname for f in fields), start, pk_at))
    return tuple(columns), tuple(parts)


def prepared_objects(
    model: type[Model],
    key: Hashable,
    build: Callable[[], QuerySet],
    params: Sequence[Any],
    *,
    related: tuple[str, ...] = (),
    defer: tuple[str, ...] = (),
    window: tuple[int, int] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> list[Model]:
    """The `model` instances that `build()`'s queryset gives (its filters and order), each
    with its forward relations `related` (`"user"`, `"product"`, `"product__shop"`: a
    parent before its children) loaded and attached as `select_related` attaches them (None
    where there is none), with the SQL compiled once per `key`; `params` as for
    `prepared_rows`, and `window` too. `defer`: fields of `model` left unread, loaded on
    first access as with `QuerySet.defer`."""
    columns, parts = _parts(model, related, defer)
    rows = prepared_rows(
        ("objects", model, related, defer, key),
        lambda: build().values_list(*columns),
        params,
        window=window,
        using=using,
    )
    objects = []
    for row in rows:
        loaded: dict[str, Model | None] = {}
        for part in parts:
            if part.path and row[part.pk_at] is None:
                instance = None  # an empty outer join: no related row
            else:
                values = row[part.start : part.start + len(part.attnames)]
                instance = part.model.from_db(using, part.attnames, values)
            loaded[part.path] = instance
            if part.path:
                parent_path, _, name = part.path.rpartition("__")
                parent = loaded[parent_path]
                if parent is not None:
                    parent._meta.get_field(name).set_cached_value(parent, instance)
        objects.append(loaded[""])
    return objects


def prepared_count(
    key: Hashable,
    build: Callable[[], QuerySet],
    params: Sequence[Any],
    *,
    using: str = DEFAULT_DB_ALIAS,
) -> int:
    """`build().count()`, with the count's SQL compiled once per `key` (the first count is
    the ORM's own, its SQL kept as it went to the database); `params` as for
    `prepared_rows`."""
    plain = _plain(params)
    statement = _statements.get((using, ("count", key))) if plain else None
    connection = connections[using]
    if statement is None:
        sent: list[tuple[str, Sequence[Any]]] = []

        def keep(execute, sql, sent_params, many, context):
            sent.append((sql, sent_params))
            return execute(sql, sent_params, many, context)

        with connection.execute_wrapper(keep):
            total = build().count()
        if plain and len(sent) == 1:  # no SQL when the ORM knows the answer (an empty IN)
            sql, compiled = sent[0]
            _check(params, compiled)
            _keep((using, ("count", key)), _Statement(sql, ()))
        return total
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        return cursor.fetchone()[0]


def attach_children(
    parents: Sequence[Model], accessor: str, children: Sequence[Model], parent_attname: str
) -> None:
    """Each parent's `accessor` (a reverse foreign key, `order.items`) answers `children`
    (those whose `parent_attname` is the parent's pk, in the order given) without a query,
    as `prefetch_related` leaves it. The children's own reference back (`item.order`) is
    not set: reading it queries."""
    by_parent: dict[Any, list[Model]] = {parent.pk: [] for parent in parents}
    for child in children:
        by_parent[getattr(child, parent_attname)].append(child)
    for parent in parents:
        manager = getattr(parent, accessor)
        queryset = manager.get_queryset()
        queryset._result_cache = by_parent[parent.pk]
        queryset._prefetch_done = True
        parent._prefetched_objects_cache = getattr(parent, "_prefetched_objects_cache", {})
        parent._prefetched_objects_cache[manager.field.remote_field.cache_name] = queryset


def prepared_page(
    model: type[Model],
    key: Hashable,
    build: Callable[[], QuerySet],
    params: Sequence[Any],
    *,
    order_by: tuple[str, ...],
    page: int,
    limit: int,
    related: tuple[str, ...] = (),
) -> Page:
    """Page `page` of `build()` ordered by `order_by`: its count and its instances (with
    `related`, see `prepared_objects`), each with SQL compiled once per `key`."""
    total = prepared_count(key, build, params)
    offset = (page - 1) * limit
    items = (
        prepared_objects(
            model,
            key,
            lambda: build().order_by(*order_by),
            params,
            related=related,
            window=(offset, limit),
        )
        if offset < total
        else []
    )
    return Page(items=items, number=page, size=limit, total=total)
