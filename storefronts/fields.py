"""Serializer fields for what clients send, each with a cap that is checked first.

DRF's `ListField(max_length=n)` checks the count with a validator, after it has validated
every entry, so 40,000 entries were each validated (and reported) before the count refused
them; a nested `Serializer(many=True)` inherits a partial update's `partial`, so its items'
required fields were not required. Every list in a request body is one of these.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.utils import html

from .parsers import MAX_JSON_DEPTH, check_json

TOO_MANY = "Ensure this field has no more than {max_length} elements."


class BoundedListField(serializers.ListField):
    """A list of at most `max_length` entries, counted before any entry is looked at."""

    def __init__(self, *, max_length: int, **kwargs) -> None:
        super().__init__(max_length=max_length, **kwargs)

    def to_internal_value(self, data):
        if html.is_html_input(data):
            data = html.parse_html_list(data, default=[])
        if isinstance(data, list | tuple) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class ItemsField(serializers.Field):
    """A list of at most `max_length` objects, counted first, each validated whole by
    `serializer` on its own (also in a partial update, which changes the fields sent but
    never takes half an item)."""

    default_error_messages = {
        "not_a_list": 'Expected a list of items but got type "{input_type}".',
        "max_length": TOO_MANY,
        "empty": "This list may not be empty.",
    }

    def __init__(
        self, serializer: type[serializers.Serializer], *, max_length: int, allow_empty=True, **kw
    ) -> None:
        self.item_serializer = serializer
        self.max_length = max_length
        self.allow_empty = allow_empty
        super().__init__(**kw)

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        if not data and not self.allow_empty:
            self.fail("empty")
        if len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        items = self.item_serializer(data=data, many=True)
        if not items.is_valid():
            raise ValidationError(items.errors)
        return items.validated_data

    def to_representation(self, value):
        return self.item_serializer(value, many=True).data


class ItemsFieldSchema(OpenApiSerializerFieldExtension):
    target_class = ItemsField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        component = auto_schema.resolve_serializer(self.target.item_serializer, direction)
        schema = {"type": "array", "items": component.ref, "maxItems": self.target.max_length}
        if not self.target.allow_empty:
            schema["minItems"] = 1
        return schema


class JSONField(serializers.JSONField):
    """DRF's JSONField, checked like a JSON body (storefronts.parsers) also when a form
    sends it as text, which DRF parses itself: no NUL, nesting at most MAX_JSON_DEPTH."""

    def to_internal_value(self, data):
        try:
            value = super().to_internal_value(data)
        except RecursionError:
            raise ValidationError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.") from None
        try:
            check_json(value)  # a NUL: a ValidationError naming where it is
        except ParseError as exc:  # nested too deep
            raise ValidationError(str(exc.detail)) from None
        return value
