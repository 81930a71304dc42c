"""Rendered public catalog pages, kept in the shared cache until anything they show changes.

A public catalog page (a product list, a product, search results) is the same for every
caller: nothing on it depends on who asks. Rendering one costs several queries and a few
milliseconds of Python; serving it again from Redis costs one round trip. What makes that
safe is the invalidation:

- **One catalog version.** Every cached page is stored with the version it was built
  under, and served only while that version is still current. Changing the version
  drops every cached page at once, for both storefronts.
- **Every write changes it, found where writes happen.** Each database connection runs
  its statements through `_watch`, which recognises an INSERT, UPDATE, DELETE or TRUNCATE
  on a table the pages read (`WATCHED`) and changes the version right after the
  statement and again after the transaction commits. So no write path has to remember to
  invalidate: the ORM's `save`, `update`, `bulk_create` and `delete`, the admin, F()
  counters in the order services and raw SQL are all seen. The second change, after the
  commit, covers a page built while the transaction was open (it read the old rows).
  A reader takes the version before its queries, so a page it builds can only be older
  than its version, never newer.
- **Columns no page shows are ignored.** The view counter (an UPDATE of `view_count`
  alone: the views flush every 30 s, or every product page view without Redis) would
  otherwise drop every page that often; the CryptoShop cards' `viewCount` may lag as
  long as a page is kept. On `accounts_user`, only a username or avatar change reaches a
  page (sellers' cards).
- **A time limit** (`CATALOG_PAGE_CACHE_SECONDS`, 60 s) bounds what the version cannot
  see: time itself (a product stops being a new arrival), and a write made outside
  Django's connections (`bench/generate.py` loads with COPY and calls `invalidate`).

Only 200 answers are kept; errors, other methods and non-JSON answers are not. The key is
the scheme, host, path and sorted query string (image URLs are absolute). When the cache
does not answer, pages are built as if there were no cache.

Off unless the cache is shared by every process (`CATALOG_PAGE_CACHE`, on by default when
`REDIS_URL` is set): a process-local cache would not see other processes' writes.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import secrets
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.db.backends.signals import connection_created
from django.http import HttpResponse

from core.cache import quiet_get_many, quiet_set
from core.conf import setting_bool, setting_int

logger = logging.getLogger(__name__)

VERSION_KEY = "catalog:pages:version"
HIT_HEADER = "X-Cache"

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

_WRITE = re.compile(r'\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
_SET_COLUMN = re.compile(r'"(\w+)"\s*=')


def enabled() -> bool:
    return setting_bool("CATALOG_PAGE_CACHE", bool(getattr(settings, "REDIS_URL", "")))


def ttl() -> int:
    return setting_int("CATALOG_PAGE_CACHE_SECONDS", 60)


# --- invalidation ---------------------------------------------------------------------


def invalidate() -> None:
    """Drop every cached page (a new version). Never raises: the write that called this
    has happened, and if the cache missed the change, the time limit bounds how long a
    page can show the old rows."""
    quiet_set(VERSION_KEY, secrets.token_hex(8), None)


def changes_pages(sql: str) -> bool:
    """Whether a statement writes something a cached page shows."""
    if sql[:8].upper().startswith("TRUNCATE"):
        return any(table in sql for table in WATCHED)
    match = _WRITE.match(sql)
    if match is None:
        return False
    verb, table = match.group(1).upper(), match.group(2)
    rule = WATCHED.get(table)
    if rule is None:
        return False
    kind, columns = rule
    if verb.startswith("INSERT"):
        return kind == ALL_BUT  # a new user is on no page until a shop names them
    if verb != "UPDATE":
        return True
    set_clause = sql[match.end() :].split(" WHERE ", 1)[0]
    written = set(_SET_COLUMN.findall(_outside_parentheses(set_clause)))
    if kind == ALL_BUT:
        return not written or not written <= columns
    return bool(written & columns)


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


def _watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and sql.lstrip()[:1] in "IUDTiudt" and changes_pages(sql):
        if enabled():
            invalidate()
            connection = context["connection"]
            if connection.in_atomic_block and not any(
                func is invalidate for _, func, _ in connection.run_on_commit
            ):
                connection.on_commit(invalidate, robust=True)
    return result


def watch_connection(sender, connection, **kwargs) -> None:
    """Run every statement of this connection through `_watch` (connected in apps.py)."""
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def connect_signals() -> None:
    connection_created.connect(watch_connection, dispatch_uid="catalog.pagecache")


# --- serving --------------------------------------------------------------------------


def page_key(request) -> str:
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    raw = f"{request.scheme}://{request.get_host()}{request.path}?{query}"
    return "catalog:page:" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def cached_page(on_hit: Callable[..., None] | None = None):
    """Serve a view's GET from the cache while the catalog version holds (module docs).
    `on_hit(request, **kwargs)` runs for a cached answer too (a product view is counted)."""

    def decorate(get):
        @functools.wraps(get)
        def wrapper(view, request, *args, **kwargs):
            if not enabled():
                return get(view, request, *args, **kwargs)
            key = page_key(request)
            found = quiet_get_many([VERSION_KEY, key])
            if found is None:  # no cache: build the page
                return get(view, request, *args, **kwargs)
            version, entry = found.get(VERSION_KEY), found.get(key)
            if version is not None and entry is not None and entry[0] == version:
                if on_hit is not None:
                    on_hit(request, *args, **kwargs)
                response = HttpResponse(entry[2], content_type=entry[1])
                response[HIT_HEADER] = "hit"
                return response
            if version is None:
                fresh = secrets.token_hex(8)
                version = fresh if quiet_set(VERSION_KEY, fresh, None, only_new=True) else None
            response = get(view, request, *args, **kwargs)
            response[HIT_HEADER] = "miss"
            if version is not None and response.status_code == 200:
                response.add_post_render_callback(functools.partial(_store, key, version))
            return response

        return wrapper

    return decorate


def _store(key: str, version: str, response) -> None:
    quiet_set(key, (version, response["Content-Type"], response.content), ttl())
