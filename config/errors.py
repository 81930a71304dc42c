"""Django-level error views: failures outside DRF (middleware, bad Host) still answer
in the storefront's format when the path is under a storefront root."""

from django.conf import settings
from django.http import JsonResponse
from django.views import defaults

BODIES = {
    "techaven": lambda message, code: {"success": False, "message": message, "errors": {}},
    "cryptoshop": lambda message, code: {
        "success": False,
        "error": message,
        "code": code,
        "details": {},
    },
}


def _storefront(request) -> str | None:
    path = request.path
    for name in BODIES:
        if path.startswith(f"/{name}/api/"):
            return name
    host = request.META.get("HTTP_HOST", "").rsplit(":", 1)[0].lower()
    if path.startswith("/api/"):
        if host in {h.lower() for h in settings.TECHAVEN_HOSTS}:
            return "techaven"
        if host in {h.lower() for h in settings.CRYPTOSHOP_HOSTS}:
            return "cryptoshop"
    return None


def _json_or(default_view, status: int, message: str, code: str):
    def view(request, *args, **kwargs):
        storefront = _storefront(request)
        if storefront is None:
            return default_view(request, *args, **kwargs)
        return JsonResponse(BODIES[storefront](message, code), status=status)

    return view


handler400 = _json_or(defaults.bad_request, 400, "Bad request", "BAD_REQUEST")
handler403 = _json_or(defaults.permission_denied, 403, "Forbidden", "INSUFFICIENT_PERMISSIONS")
handler404 = _json_or(defaults.page_not_found, 404, "Resource not found", "RESOURCE_NOT_FOUND")
handler500 = _json_or(defaults.server_error, 500, "Internal server error", "INTERNAL_ERROR")
