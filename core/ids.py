"""Opaque public ids (BRIEF decision 13).

Models that the contracts show with string ids carry a random `uid`; each
storefront renders it with the prefix its document uses (`usr_…`, `user_…`).
Authorization never relies on the id being hard to guess.
"""

import secrets

from django.db import models

UID_LENGTH = 12
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def new_uid() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(UID_LENGTH))


class UidField(models.CharField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 24)
        kwargs.setdefault("unique", True)
        kwargs.setdefault("default", new_uid)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)


def strip_prefix(value: object, prefix: str) -> str | None:
    """`usr_abc` -> `abc` for prefix `usr`; None when the value is not of that shape."""
    if not isinstance(value, str):
        return None
    head = f"{prefix}_"
    if not value.startswith(head) or len(value) <= len(head) or len(value) > len(head) + 24:
        return None
    return value[len(head) :]
