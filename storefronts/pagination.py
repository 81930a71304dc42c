"""Page-number pagination shared by both storefronts; each renders its own block."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError

MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Page:
    items: Sequence[Any]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.size) if self.total else 0

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def _positive_int(params, name: str, default: int, errors: dict) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        errors[name] = [f"{name} must be a whole number."]
        return default
    if value < 1:
        errors[name] = [f"{name} must be 1 or more."]
    return value


def page_params(params, *, default_limit: int, max_limit: int = MAX_LIMIT) -> tuple[int, int]:
    """`page` and `limit` from the query; nonsense is a validation error, big limits are capped."""
    errors: dict[str, list[str]] = {}
    page = _positive_int(params, "page", 1, errors)
    limit = _positive_int(params, "limit", default_limit, errors)
    if errors:
        raise ValidationError(errors)
    return page, min(limit, max_limit)


def paginate(queryset, *, page: int, limit: int, total: int | None = None) -> Page:
    if total is None:
        # a list has .count() too, but it counts one value: only ask a QuerySet
        total = queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
    offset = (page - 1) * limit
    items = list(queryset[offset : offset + limit]) if offset < total else []
    return Page(items=items, number=page, size=limit, total=total)
