"""Running a call in several threads at the very same moment, for the race tests (which run
on PostgreSQL, where row locks are real)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def at_once(count: int, call: Callable[[], T]) -> list[T]:
    """`call()` in `count` threads released together, each closing its own database
    connection when done; their results in the order they finished. The first exception a
    thread raised is raised here, once all of them have ended."""
    barrier = threading.Barrier(count)
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(call())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
