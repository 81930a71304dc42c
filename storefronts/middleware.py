"""Host mapping: a Host in TECHAVEN_HOSTS / CRYPTOSHOP_HOSTS gets that storefront at `/api/...`;
no NUL characters in paths and queries; CORS for the storefront APIs."""

from corsheaders.middleware import CorsMiddleware
from django.conf import settings
from django.http import HttpRequest, JsonResponse

from .edge import error_body, host_storefront, storefront_for
from .parsers import NUL_MESSAGE

HOST_URLCONFS = {
    "techaven": "config.urls_techaven_host",
    "cryptoshop": "config.urls_cryptoshop_host",
}


class StorefrontHostMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = bool(settings.TECHAVEN_HOSTS or settings.CRYPTOSHOP_HOSTS)

    def __call__(self, request):
        if self.enabled:
            storefront = host_storefront(request.get_host())
            if storefront:
                request.urlconf = HOST_URLCONFS[storefront]
        return self.get_response(request)


class RefuseNulMiddleware:
    """A NUL character in the path or the query answers 400 before any view runs (in the
    storefront's format; `{"detail"}` JSON elsewhere): PostgreSQL stores no NUL in text, so
    a NUL that reached a lookup or a filter answered 500. Bodies: `storefronts.parsers`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        fields = self._nul_fields(request)
        if fields is None:
            return self.get_response(request)
        storefront = storefront_for(request.path, request.META.get("HTTP_HOST", ""))
        body = error_body(
            storefront, status=400, message=NUL_MESSAGE, code="VALIDATION_ERROR", fields=fields
        )
        return JsonResponse(body, status=400)

    @staticmethod
    def _nul_fields(request) -> dict[str, list[str]] | None:
        """None when there is no NUL; else the field errors to show (none for the path)."""
        if "\x00" in request.path:
            return {}
        query = request.META.get("QUERY_STRING", "")
        if "%00" not in query and "\x00" not in query:
            return None
        for key, values in request.GET.lists():
            if "\x00" in key:
                return {"non_field_errors": [NUL_MESSAGE]}
            if any("\x00" in value for value in values):
                return {key: [NUL_MESSAGE]}
        return None  # an escaped "%2500": the text "%00", no NUL


class StorefrontCorsMiddleware(CorsMiddleware):
    """django-cors-headers for the storefront APIs and nothing else: `CORS_URLS_REGEX`
    (`/techaven/api/`, `/cryptoshop/api/`) and `/api/` on a storefront's own host, which a
    path alone cannot tell (`storefronts.edge.storefront_for`). The origins are
    `CORS_ALLOWED_ORIGINS` (`core.origins`). Its signal is not used: a receiver that says
    yes would also let every origin in."""

    def is_enabled(self, request: HttpRequest) -> bool:
        if super().is_enabled(request):
            return True
        return storefront_for(request.path_info, request.META.get("HTTP_HOST", "")) is not None
