"""Check an answer against the OpenAPI document its storefront serves (`/…/api/schema/`)."""

from __future__ import annotations

import copy
import re
from functools import cache

import jsonschema
from rest_framework.test import APIClient

from core.openapi import to_json_schema

SCHEMA_URLS = {
    "techaven": "/techaven/api/schema/?format=json",
    "cryptoshop": "/cryptoshop/api/schema/?format=json",
}


@cache
def served_schema(storefront: str) -> dict:
    response = APIClient().get(SCHEMA_URLS[storefront])
    assert response.status_code == 200
    return to_json_schema(response.json())


def _operation(doc: dict, method: str, url: str) -> dict:
    path = url.split("?", 1)[0].removeprefix(doc["servers"][0]["url"])
    # literal paths first: /products/featured is not /products/{product_id}
    for template, operations in sorted(doc["paths"].items(), key=lambda t: t[0].count("{")):
        pattern = "^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            return operations[method.lower()]
    raise AssertionError(f"{method} {url} is not in the served schema")


def assert_matches_schema(storefront: str, method: str, url: str, response) -> None:
    """The answer's status is documented for the operation and its body fits that schema."""
    doc = served_schema(storefront)
    documented = _operation(doc, method, url)["responses"]
    status = str(response.status_code)
    assert status in documented, f"{method} {url} answered {status}, not documented"
    schema = copy.deepcopy(documented[status]["content"]["application/json"]["schema"])
    schema["components"] = doc["components"]  # where its `$ref`s point
    validator = jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    errors = [
        f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}"
        for e in validator.iter_errors(response.json())
    ]
    assert errors == [], f"{method} {url} → {status}: {errors}"
