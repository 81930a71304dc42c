"""A page of a list, as plain data: what a selector that pages gives, and what each
storefront renders in its own pagination block (storefronts/*/base.py)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet


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


def paginate(queryset, *, page: int, limit: int, total: int | None = None) -> Page:
    if total is None:
        # a list has .count() too, but it counts one value: only ask a QuerySet
        total = queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
    offset = (page - 1) * limit
    items = list(queryset[offset : offset + limit]) if offset < total else []
    return Page(items=items, number=page, size=limit, total=total)
