"""Every list and string a client can send has a cap, and a list's count is checked before
its entries (issue 12, finding 14): `specifications` took 40,000 entries, and DRF's
`ListField(max_length=…)` validates every entry before it counts them."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from storefronts.fields import BoundedListField, ItemsField, JSONField

# strings bounded by what they are rather than by a length
BOUNDED_FORMATS = {"date", "date-time", "binary", "decimal"}


def uncapped(schema: dict, components: dict, where: str, seen: tuple = ()) -> list[str]:
    """Where a request schema lets a client send a string, list or object of any size."""
    if "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        return [] if name in seen else uncapped(components[name], components, where, (*seen, name))
    found = []
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key, []):
            found += uncapped(sub, components, where, seen)
    kind = schema.get("type")
    if kind == "string" and not (
        "maxLength" in schema or "enum" in schema or schema.get("format") in BOUNDED_FORMATS
    ):
        found.append(where)
    if kind == "array":
        if "maxItems" not in schema:
            found.append(f"{where} (count)")
        found += uncapped(schema.get("items", {}), components, f"{where}[]", seen)
    if schema.get("additionalProperties") not in (None, False) and "maxProperties" not in schema:
        found.append(f"{where} (keys)")
    for name, sub in schema.get("properties", {}).items():
        if not sub.get("readOnly"):
            found += uncapped(sub, components, f"{where}.{name}", seen)
    return found


@pytest.mark.parametrize("storefront", ["techaven", "cryptoshop"])
def test_every_string_and_list_of_every_request_body_is_capped(storefront):
    schema = SchemaGenerator(urlconf=f"storefronts.{storefront}.urls").get_schema(public=True)
    components = schema.get("components", {}).get("schemas", {})
    found = []
    for route, operations in schema["paths"].items():
        for method, operation in operations.items():
            for media, body in operation.get("requestBody", {}).get("content", {}).items():
                found += uncapped(body["schema"], components, f"{method} {route} {media}")
    assert found == []


def writable_fields(serializer: serializers.Serializer, prefix: str = ""):
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        where = f"{prefix}{name}"
        yield where, field
        if isinstance(field, serializers.Serializer):
            yield from writable_fields(field, f"{where}.")


def seller_input_serializers() -> dict[str, Any]:
    """The serializer of each back-office view that takes a body."""
    found = {}

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                view = getattr(pattern.callback, "cls", None) or getattr(
                    pattern.callback, "view_class", None
                )
                writes = any(hasattr(view, m) for m in ("post", "put", "patch", "create", "update"))
                serializer = getattr(view, "serializer_class", None)
                if writes and serializer is not None:
                    found[serializer.__name__] = serializer

    walk(get_resolver("storefronts.seller.urls").url_patterns)
    return found


def test_every_field_the_seller_back_office_takes_is_capped():
    serializers_ = seller_input_serializers()
    assert {"ProductSerializer", "ShopSerializer", "StatusIn"} <= set(serializers_)
    loose = []
    for name, cls in serializers_.items():
        for where, field in writable_fields(cls(context={})):
            if isinstance(field, serializers.ListField) and not isinstance(field, BoundedListField):
                loose.append(f"{name}.{where} (count)")
            elif isinstance(field, serializers.JSONField) and not isinstance(field, JSONField):
                loose.append(f"{name}.{where} (JSON)")
            elif (
                isinstance(field, serializers.CharField)
                and not isinstance(field, serializers.ChoiceField)
                and field.max_length is None
            ):
                loose.append(f"{name}.{where}")
    assert loose == []


class CountingURLField(serializers.URLField):
    checked = 0

    def run_validation(self, data=serializers.empty):
        CountingURLField.checked += 1
        return super().run_validation(data)


def test_a_bounded_list_counts_before_it_looks_at_an_entry():
    class Body(serializers.Serializer):
        images = BoundedListField(child=CountingURLField(), max_length=10)

    CountingURLField.checked = 0
    body = Body(data={"images": ["not a url"] * 40_000})
    assert not body.is_valid()
    assert body.errors == {"images": ["Ensure this field has no more than 10 elements."]}
    assert CountingURLField.checked == 0
    fine = Body(data={"images": ["https://example.com/a.jpg"] * 10})
    assert fine.is_valid() and CountingURLField.checked == 10


class Pair(serializers.Serializer):
    key = serializers.CharField(max_length=10)
    value = CountingURLField()


def test_an_items_field_counts_first_and_takes_each_item_whole_in_a_partial_update():
    class Body(serializers.Serializer):
        name = serializers.CharField(max_length=10)
        pairs = ItemsField(Pair, max_length=3, required=False)

    CountingURLField.checked = 0
    started = time.monotonic()
    many = Body(data={"pairs": [{"key": "k"}] * 40_000}, partial=True)
    assert not many.is_valid()
    assert many.errors == {"pairs": ["Ensure this field has no more than 3 elements."]}
    assert CountingURLField.checked == 0 and time.monotonic() - started < 1
    # partial=True leaves out fields not sent, never half an item
    half = Body(data={"pairs": [{"key": "k"}]}, partial=True)
    assert not half.is_valid()
    assert half.errors == {"pairs": {0: {"value": ["This field is required."]}}}
    whole = Body(data={"pairs": [{"key": "k", "value": "https://example.com"}]}, partial=True)
    assert whole.is_valid()
    assert whole.validated_data == {"pairs": [{"key": "k", "value": "https://example.com"}]}
    assert not Body(data={"pairs": {"key": "k"}}, partial=True).is_valid()
