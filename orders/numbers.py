"""Order number sequences on PostgreSQL: one sequence per (storefront, year), so taking a
number locks no row (docs/decisions.md, "Order numbers").

`nextval` is not transactional: a number taken by a checkout that then rolls back is not
given back, which leaves a gap (numbers stay unique). A sequence is created ahead of use by
migration `orders.0002_number_sequences` (for every existing counter and for the year of the
migration) and daily for this year and the next (`orders_number_sequences_ahead`, beat), and
otherwise on first use in a year, on a connection of its own: the DDL then never runs
inside, nor holds locks for, a checkout's transaction. Each starts after the
(storefront, year) counter's `last`, the numbers taken before the sequences existed.
"""

from __future__ import annotations

import re

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from core.storefront import Storefront

from .models import OrderNumberCounter

# names of the sequences this process has seen committed (sequences are never dropped)
_ready: set[str] = set()


def sequence_name(*, storefront: str, year: int) -> str:
    """`orders_number_<storefront>_<year>`, e.g. `orders_number_techaven_2026`."""
    if not re.fullmatch(r"[a-z]{1,16}", storefront):
        raise ValueError(f"not a storefront: {storefront!r}")
    return f"orders_number_{storefront}_{int(year)}"


def create_sequence_sql(name: str, start: int) -> str:
    """Also used by the migration; `name` comes from `sequence_name` only."""
    return f"CREATE SEQUENCE IF NOT EXISTS {name} AS bigint START {int(start)} MINVALUE 1"


def number_sequence_next(*, storefront: str, year: int, using: str = DEFAULT_DB_ALIAS) -> int:
    """The next number of the (storefront, year) sequence; one `nextval`, no row lock."""
    name = sequence_name(storefront=storefront, year=year)
    if name not in _ready:
        number_sequence_ensure(storefront=storefront, year=year, using=using)
        _ready.add(name)
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [name])
        return int(cursor.fetchone()[0])


def number_sequence_ensure(*, storefront: str, year: int, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create the (storefront, year) sequence unless it exists, starting after the counter.

    The creation commits on a separate, short-lived connection (never inside the caller's
    transaction, whose rollback would otherwise drop a sequence other processes already
    count on). Two processes creating it at once are serialised by an advisory lock held
    for that small transaction, and `IF NOT EXISTS` lets the second one through."""
    name = sequence_name(storefront=storefront, year=year)
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        if cursor.fetchone()[0]:
            return
    last = (
        OrderNumberCounter.objects.using(using)
        .filter(storefront=storefront, year=year)
        .values_list("last", flat=True)
        .first()
    ) or 0
    options = {k: v for k, v in connection.settings_dict["OPTIONS"].items() if k != "pool"}
    side = connection.__class__({**connection.settings_dict, "OPTIONS": options}, alias=using)
    try:
        side.set_autocommit(False)
        with side.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])
            cursor.execute(create_sequence_sql(name, last + 1))
        side.commit()
    finally:
        side.close()


def number_sequences_ahead(*, year: int | None = None, using: str = DEFAULT_DB_ALIAS) -> int:
    """Create the sequences of `year` (default: this one) and the next, for each storefront,
    so that no checkout creates one on New Year's Day. Nothing to do off PostgreSQL; returns
    how many sequences exist for those years."""
    if connections[using].vendor != "postgresql":
        return 0
    year = year or timezone.now().year
    done = 0
    for storefront in Storefront.values:
        for y in (year, year + 1):
            number_sequence_ensure(storefront=storefront, year=y, using=using)
            done += 1
    return done
