"""App settings: a Django setting of the name, else the environment variable, else the default.

Apps read theirs through these at the moment of use (their `conf.py`), so tests can override
them with pytest-django's `settings` fixture and deployments with the environment.
"""

from __future__ import annotations

import environ
from django.conf import settings

_env = environ.Env()


def setting_bool(name: str, default: bool) -> bool:
    if hasattr(settings, name):
        return bool(getattr(settings, name))
    return _env.bool(name, default=default)


def setting_int(name: str, default: int) -> int:
    if hasattr(settings, name):
        return int(getattr(settings, name))
    return _env.int(name, default=default)


def setting_str(name: str, default: str) -> str:
    if hasattr(settings, name):
        return str(getattr(settings, name))
    return _env.str(name, default=default)
