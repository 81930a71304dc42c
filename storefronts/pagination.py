"""Page-number pagination shared by both storefronts; each renders its own block."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError

from core.paging import paginate  # noqa: F401 (the storefront views page with it)

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
