"""What is known of a request before any view runs: which storefront it is for, and that
storefront's error body. Used where DRF does not answer (Django's error handlers, the
middleware in front of Django)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

STOREFRONTS = ("techaven", "cryptoshop")


def storefront_for(path: str, host: str) -> str | None:
    """`/techaven/api/…` and `/cryptoshop/api/…`, or `/api/…` on a host of
    `TECHAVEN_HOSTS` / `CRYPTOSHOP_HOSTS` (storefronts.middleware maps those hosts)."""
    for name in STOREFRONTS:
        if path.startswith(f"/{name}/api/"):
            return name
    if path.startswith("/api/"):
        host = host.rsplit(":", 1)[0].lower() if not host.endswith("]") else host.lower()
        if host in {h.lower() for h in settings.TECHAVEN_HOSTS}:
            return "techaven"
        if host in {h.lower() for h in settings.CRYPTOSHOP_HOSTS}:
            return "cryptoshop"
    return None


def error_body(
    storefront: str | None,
    *,
    message: str,
    code: str,
    fields: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """An error in the storefront's format (field errors in Techaven's `errors`, CryptoShop's
    `details`); `{"detail"}` elsewhere (the seller back office's DRF default)."""
    if storefront == "techaven":
        return {"success": False, "message": message, "errors": dict(fields or {})}
    if storefront == "cryptoshop":
        return {"success": False, "error": message, "code": code, "details": dict(fields or {})}
    return {"detail": message}
