"""Django-level error views: failures outside DRF (middleware, bad Host) still answer
in the storefront's format when the path is under a storefront root."""

from django.http import JsonResponse
from django.views import defaults

from storefronts.edge import error_body, storefront_for


def _json_or(default_view, status: int, message: str, code: str):
    def view(request, *args, **kwargs):
        storefront = storefront_for(request.path, request.META.get("HTTP_HOST", ""))
        if storefront is None:
            return default_view(request, *args, **kwargs)
        body = error_body(storefront, status=status, message=message, code=code)
        return JsonResponse(body, status=status)

    return view


handler400 = _json_or(defaults.bad_request, 400, "Bad request", "BAD_REQUEST")
handler403 = _json_or(defaults.permission_denied, 403, "Forbidden", "INSUFFICIENT_PERMISSIONS")
handler404 = _json_or(defaults.page_not_found, 404, "Resource not found", "RESOURCE_NOT_FOUND")
handler500 = _json_or(defaults.server_error, 500, "Internal server error", "INTERNAL_ERROR")
