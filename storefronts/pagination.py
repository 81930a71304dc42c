"""Page-number pagination shared by both storefronts; each renders its own block."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError

from core.paging import Page

MAX_LIMIT = 100


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
