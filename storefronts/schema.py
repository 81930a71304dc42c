"""OpenAPI 3 per storefront (drf-spectacular), describing the real envelopes and error bodies.

Views declare only their `data` serializer; the storefront's AutoSchema wraps it in
the success envelope and adds the error responses every endpoint can give.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from django.urls import path
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import serializers

# a paged list's query parameters, as `extend_schema(parameters=[*PAGE_PARAMS, ...])`
PAGE_PARAMS = [
    OpenApiParameter("page", OpenApiTypes.INT),
    OpenApiParameter("limit", OpenApiTypes.INT),
]

ERRORS = {
    "400": "Bad request or validation failed",
    "401": "Missing, invalid or expired credentials",
    "403": "Forbidden",
    "404": "Not found",
    "405": "Method not allowed",
    "409": "Conflict (the resource exists, or a request with this Idempotency-Key is running)",
    "413": "Request body too large",
    "415": "Unsupported media type",
    "422": "Unprocessable entity",
    "429": "Rate limit exceeded",
    "500": "Internal server error",
}


def _error_body(**fields: dict[str, Any]) -> dict[str, Any]:
    """A storefront's error body: `success: false` and its own `fields`, every one there."""
    properties = {"success": {"type": "boolean", "enum": [False]}, **fields}
    return {"type": "object", "properties": properties, "required": list(properties)}


ENVELOPES: dict[str, dict[str, Any]] = {
    "techaven": {
        "error_name": "TechavenError",
        "error": _error_body(
            message={"type": "string"},
            errors={
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        ),
        "required": ["success", "message", "data"],
        "extra": {"message": {"type": "string"}},
    },
    "cryptoshop": {
        "error_name": "CryptoShopError",
        "error": _error_body(
            error={"type": "string"},
            code={"type": "string"},
            details={"type": "object", "additionalProperties": True},
        ),
        "required": ["success"],
        "extra": {
            "message": {"type": "string"},
            "pagination": {
                "type": "object",
                "properties": {
                    "page": {"type": "integer"},
                    "limit": {"type": "integer"},
                    "total": {"type": "integer"},
                    "pages": {"type": "integer"},
                },
                "required": ["page", "limit", "total", "pages"],
            },
        },
    },
}


class StorefrontAutoSchema(AutoSchema):
    storefront = ""

    @property
    def _conv(self) -> dict[str, Any]:
        return ENVELOPES[self.storefront]

    def _envelope(self, data_schema: dict[str, Any] | None) -> dict[str, Any]:
        properties: dict[str, Any] = {"success": {"type": "boolean", "enum": [True]}}
        properties["data"] = data_schema or {"nullable": True}
        # copies: drf-spectacular's enum hook rewrites schemas in place, and a shared dict
        # rewritten by one generation would leave the next without its enum component
        properties.update(copy.deepcopy(self._conv["extra"]))
        return {"type": "object", "properties": properties, "required": self._conv["required"]}

    def _get_response_for_code(
        self, serializer, status_code, media_types=None, direction="response"
    ):
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        if str(status_code).startswith(("4", "5")):
            return response
        content = response.setdefault("content", {"application/json": {}})
        for media in content.values():
            media["schema"] = self._envelope(media.get("schema"))
        return response

    def _get_request_body(self, direction="request"):
        """drf-spectacular gives only PUT, PATCH and POST a body. A DELETE that reads one
        (Techaven's account deletion takes the password) declares it with
        `extend_schema(request=…)`, and its body is then documented like a POST's."""
        if self.method != "DELETE" or self._declared_request() is None:
            return super()._get_request_body(direction)
        # drf-spectacular decides on `self.method` alone (tfranzel/drf-spectacular#809, kept
        # open on purpose: OpenAPI 3.0 discourages a DELETE body): ask a copy that says POST
        as_post = copy.copy(self)
        as_post.method = "POST"
        return super(StorefrontAutoSchema, as_post)._get_request_body(direction)

    def _declared_request(self):
        """The request serializer `extend_schema` names, without guessing one from the view
        (a guess on a view that has none is reported as a schema error)."""
        self._no_guess = True
        try:
            return self.get_request_serializer()
        finally:
            self._no_guess = False

    def _get_serializer(self):
        return None if getattr(self, "_no_guess", False) else super()._get_serializer()

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        if direction != "response":
            return bodies
        name = self._conv["error_name"]
        component = ResolvedComponent(
            name=name,
            type=ResolvedComponent.SCHEMA,
            object=name,
            schema=copy.deepcopy(self._conv["error"]),
        )
        self.registry.register_on_missing(component)
        for code, description in ERRORS.items():
            bodies.setdefault(
                code,
                {
                    "description": description,
                    "content": {"application/json": {"schema": component.ref}},
                },
            )
        return bodies


class ChangedFieldsAnswer(serializers.Serializer):
    """For the schema only: the answer of an update that shows the id, the fields sent and
    `updatedAt`, as CryptoShop's update examples do. A subclass names in `full` the
    serializer of the whole object: the answer has its fields, but only `id` and `updatedAt`
    are always there (the whole object's schema called every field required)."""

    full: ClassVar[type[serializers.Serializer]]
    always: ClassVar[tuple[str, ...]] = ("id", "updatedAt")


class ChangedFieldsAnswerSchema(OpenApiSerializerExtension):
    target_class = ChangedFieldsAnswer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = copy.deepcopy(auto_schema._map_serializer(self.target.full, direction))
        schema["properties"].setdefault(
            "updatedAt", {"type": "string", "format": "date-time", "readOnly": True}
        )
        schema["required"] = list(self.target.always)
        return schema


class TechavenAutoSchema(StorefrontAutoSchema):
    storefront = "techaven"


class CryptoShopAutoSchema(StorefrontAutoSchema):
    storefront = "cryptoshop"


SCHEMA_SETTINGS = {
    "techaven": {
        "TITLE": "Techaven API",
        "SERVERS": [{"url": "/techaven"}],
        "urlconf": "storefronts.schema_roots",
    },
    "cryptoshop": {
        "TITLE": "CryptoShop API",
        "SERVERS": [{"url": "/cryptoshop/api"}],
        "urlconf": "storefronts.cryptoshop.urls",
    },
}


def schema_urls(storefront: str) -> list:
    conf = dict(SCHEMA_SETTINGS[storefront])
    urlconf = conf.pop("urlconf")
    # the urlconf goes in its own parameter: drf-spectacular refuses SERVE_URLCONF in
    # custom_settings (the schema pages answered 500)
    schema_view = SpectacularAPIView.as_view(urlconf=urlconf, custom_settings=conf)
    # Swagger UI with nothing inline, for the Content-Security-Policy: the split view serves
    # its start-up script at `?script` instead of inside the page
    docs_view = SpectacularSwaggerSplitView.as_view(
        url="../schema/", template_name="storefronts/swagger_ui.html"
    )
    return [
        path("schema/", schema_view, name=f"{storefront}-schema"),
        path("docs/", docs_view, name=f"{storefront}-docs"),
    ]
