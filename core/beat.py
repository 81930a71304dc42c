"""The apps' timed jobs: each app's `schedule.py` lists its `BEAT` entries with `job`, and the
settings gather them into CELERY_BEAT_SCHEDULE."""

from __future__ import annotations

from typing import Any

import environ

_env = environ.Env()


def job(task: str, schedule: Any) -> dict[str, Any]:
    """A beat entry: `task` (its dotted name) run every `schedule` (seconds, or a crontab)."""
    return {"task": task, "schedule": schedule}


def seconds_env(name: str, default: int | float) -> int | float:
    """An interval in seconds from the environment variable `name`, read as `default`'s type
    (int or float); `default` when it is unset."""
    return _env(name, cast=type(default), default=default)
