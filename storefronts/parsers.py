"""DRF's parsers, refusing what no endpoint can take and would otherwise answer 500.

- NUL (U+0000) in any string or key of a JSON body, in a form field's name or value, or in
  an uploaded file's name: PostgreSQL stores no NUL in text (psycopg refuses it, and `\\u0000`
  in `jsonb` too), so a NUL that reached a query or a save was a 500. Refused here, once,
  as a validation error naming where it was (`a.b.1`), whatever the endpoint does next.
- JSON nested deeper than `MAX_JSON_DEPTH`: no contract sends more than a few levels, and
  Python's parser raises RecursionError at about a thousand, as would code that walks the
  result. Refused as a malformed request.

They are DRF's default parsers (settings.REST_FRAMEWORK) and the storefronts' (base.py).
The path and the query are checked by `storefronts.middleware.RefuseNulMiddleware`.
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

MAX_JSON_DEPTH = 32
NUL_MESSAGE = "Null characters are not allowed."


def nul_error(where: str) -> ValidationError:
    return ValidationError({where or "non_field_errors": [NUL_MESSAGE]})


def check_json(data: Any) -> None:
    """Raise if a string or key holds NUL, or containers nest deeper than MAX_JSON_DEPTH.
    Iterative, so a structure of any depth is walked without recursion."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise nul_error(".".join(path))
        elif isinstance(value, dict | list):
            if len(path) >= MAX_JSON_DEPTH:
                raise ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.")
            if isinstance(value, dict):
                for key, item in value.items():
                    if "\x00" in key:
                        raise nul_error(".".join(path))
                    stack.append((item, (*path, key)))
            else:
                stack.extend((item, (*path, str(i))) for i, item in enumerate(value))


def check_form(data, files=None) -> None:
    for key, values in data.lists():
        if "\x00" in key:
            raise nul_error("")
        if any(isinstance(v, str) and "\x00" in v for v in values):
            raise nul_error(key)
    for key, uploads in files.lists() if files is not None else ():
        if "\x00" in key:
            raise nul_error("")
        if any("\x00" in (upload.name or "") for upload in uploads):
            raise nul_error(key)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.") from None
        check_json(data)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        check_form(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        check_form(parsed.data, parsed.files)
        return parsed
