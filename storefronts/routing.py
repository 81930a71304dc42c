"""Each storefront's URL root gathers the `api/<storefront>.py` module of every domain app."""

from __future__ import annotations

import importlib
import importlib.util

from django.urls import URLPattern, URLResolver, include, path

from core.apps import DOMAIN_APPS


def gather(storefront: str) -> list[URLPattern | URLResolver]:
    patterns: list[URLPattern | URLResolver] = []
    for app in DOMAIN_APPS:
        name = f"{app}.api.{storefront}"
        if importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        if getattr(module, "urlpatterns", None):
            patterns.append(path("", include(name)))
    return patterns
