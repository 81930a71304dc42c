"""Path converters of the storefronts' routes.

`<dbid:…>` is a database id: digits that fit a 64-bit integer column. `<int:…>` took any
run of digits, and a 23-digit id reached the database and answered 500 (issue 12's
hostile-values gate); one too long for an id now simply matches no route: a 404 in the
storefront's format, like any unknown object.
"""

from django.urls import register_converter


class DatabaseIdConverter:
    regex = "[0-9]{1,18}"  # under 2**63 - 1, the largest BigAutoField

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(DatabaseIdConverter, "dbid")
