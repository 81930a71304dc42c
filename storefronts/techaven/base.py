"""Techaven conventions: `{success, message, data}` envelope, `{success, message, errors}` errors,
pagination inside `data`, 100/min general, 10/min auth, 30/min search."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from core.paging import Page
from storefronts import ratelimit
from storefronts.base import StorefrontView, UnknownEndpointMixin, client_ip
from storefronts.errors import Problem
from storefronts.pagination import page_params
from storefronts.schema import TechavenAutoSchema

from .auth import TechavenJWTAuthentication

RULES = {
    "general": ratelimit.Rule("th:general", 100, 60),
    "auth": ratelimit.Rule("th:auth", 10, 60, required=True),
    "search": ratelimit.Rule("th:search", 30, 60),
}
DEFAULT_LIMIT = 20


def pagination_block(page: Page) -> dict[str, Any]:
    return {
        "current_page": page.number,
        "total_pages": page.pages,
        "total_items": page.total,
        "items_per_page": page.size,
        "has_next": page.has_next,
        "has_previous": page.has_previous,
    }


class TechavenPaginationSerializer(serializers.Serializer):
    """Schema of `pagination_block`, for list endpoints' response serializers."""

    current_page = serializers.IntegerField()
    total_pages = serializers.IntegerField()
    total_items = serializers.IntegerField()
    items_per_page = serializers.IntegerField()
    has_next = serializers.BooleanField()
    has_previous = serializers.BooleanField()


class TechavenView(StorefrontView):
    storefront = "techaven"
    authentication_classes = [TechavenJWTAuthentication]
    schema = TechavenAutoSchema()

    def ok(self, data: Any = None, message: str = "Success", status: int = 200) -> Response:
        return Response({"success": True, "message": message, "data": data}, status=status)

    def page_params(self, default_limit: int = DEFAULT_LIMIT) -> tuple[int, int]:
        return page_params(self.request.query_params, default_limit=default_limit)

    @classmethod
    def problem_body(cls, problem: Problem) -> dict[str, Any]:
        return {"success": False, "message": problem.message, "errors": problem.field_errors}

    def rate_limit_rule(self, request) -> tuple[ratelimit.Rule, str]:
        rule = RULES[self.rate_limit_scope]
        user = getattr(request, "user", None)
        if self.rate_limit_scope != "auth" and user is not None and user.is_authenticated:
            return rule, f"user:{user.pk}"
        return rule, f"ip:{client_ip(request)}"


# anyone may call it; a valid token still tells who calls (for per-user fields). A comment,
# not a docstring: drf-spectacular would show a docstring as every operation's description
class TechavenPublicView(TechavenView):
    permission_classes = [AllowAny]


class TechavenUnknownEndpoint(UnknownEndpointMixin, TechavenView):
    pass
