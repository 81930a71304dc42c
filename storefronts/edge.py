"""What is known of a request before any view runs: which storefront it is for, and that
storefront's error body. Used where DRF does not answer (Django's error handlers, the
middleware in front of Django)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

STOREFRONTS = ("techaven", "cryptoshop")


def host_storefront(host: str) -> str | None:
    """The storefront a Host serves at `/api/…` (`TECHAVEN_HOSTS` / `CRYPTOSHOP_HOSTS`)."""
    host = host.rsplit(":", 1)[0].lower() if not host.endswith("]") else host.lower()
    if host in {h.lower() for h in settings.TECHAVEN_HOSTS}:
        return "techaven"
    if host in {h.lower() for h in settings.CRYPTOSHOP_HOSTS}:
        return "cryptoshop"
    return None


def storefront_for(path: str, host: str) -> str | None:
    """`/techaven/api/…` and `/cryptoshop/api/…`, or `/api/…` on a storefront's own host."""
    for name in STOREFRONTS:
        if path.startswith(f"/{name}/api/"):
            return name
    if path.startswith("/api/"):
        return host_storefront(host)
    return None


def error_body(
    storefront: str | None,
    *,
    status: int,
    message: str,
    code: str,
    fields: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """The body of an error answered with `status`, in the storefront's own format (its
    view's `problem_body`); `{"detail"}` elsewhere (the seller back office's DRF default)."""
    if storefront is None:
        return {"detail": message}
    # imported here: the storefront views stand on DRF and the apps, which the edge does not
    from storefronts.cryptoshop.base import CryptoShopView
    from storefronts.errors import Problem
    from storefronts.techaven.base import TechavenView

    view = {"techaven": TechavenView, "cryptoshop": CryptoShopView}[storefront]
    fields = dict(fields or {})
    problem = Problem(
        status=status, code=code, message=message, field_errors=fields, details=fields
    )
    return view.problem_body(problem)
