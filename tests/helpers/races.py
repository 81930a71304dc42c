"""Helpers shared by tests of several packages."""

from __future__ import annotations

import time

from django.db import connection


def _wait_until_blocked(n: int) -> None:
    """Until n sessions of this test database wait for a lock (a bounded poll)."""
    for _ in range(1000):
        with connection.cursor() as cursor:
            # inside a transaction the statistics views keep their first snapshot
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= n:
                return
        time.sleep(0.01)
    raise AssertionError(f"{n} sessions never queued behind the attempt's row lock")
