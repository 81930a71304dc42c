"""Serializer fields for what the storefronts answer, each in place of the `get_<field>`
method that many serializers wrote again: a row's public id, an uploaded file's URL."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.ids import PublicId

from .base import media_url


@extend_schema_field(OpenApiTypes.STR)
class PublicIdField(serializers.Field):
    """The row's public id, `<prefix>_<uid>`, as `public_id` (e.g. `TechavenIds.REVIEW`)
    writes it; `source="pk"` for the rows whose id is their key."""

    def __init__(self, public_id: PublicId, **kwargs: Any) -> None:
        self.public_id = public_id
        kwargs.setdefault("source", "uid")
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        return self.public_id(value)


@extend_schema_field({"type": "string", "nullable": True})
class MediaUrlField(serializers.Field):
    """An uploaded file's absolute URL (`storefronts.base.media_url`); None when there is
    none. `source` names the file field."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value) -> str | None:
        return media_url(self.context.get("request"), value)
