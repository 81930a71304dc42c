"""Opaque public ids (BRIEF decision 13).

Models that the contracts show with string ids carry a random `uid`; each
storefront renders it with the prefix its document uses (`usr_…`, `user_…`).
Authorization never relies on the id being hard to guess.
"""

import secrets
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class PublicId:
    """One kind of public id, `<prefix>_<uid>`: how it is written and read, in one place."""

    prefix: str

    def __call__(self, uid: str) -> str:
        return f"{self.prefix}_{uid}"

    def parse(self, value: object) -> str | None:
        """The uid in `value`; None when it is not an id of this kind."""
        return strip_prefix(value, self.prefix)


MESSAGE = PublicId("msg")  # a ticket's message, on both storefronts
STAFF = PublicId("staff")  # a support agent, who belongs to no storefront


class TechavenIds:
    """The ids of the Techaven contract (docs/contracts/techaven-api.md)."""

    ADDRESS = PublicId("addr")
    CART = PublicId("cart")
    CART_ITEM = PublicId("item")
    MESSAGE = MESSAGE
    NOTIFICATION = PublicId("notif")
    ORDER = PublicId("ord")
    PAYMENT_METHOD = PublicId("pm")
    REVIEW = PublicId("rev")
    SHOP = PublicId("vnd")
    TICKET = PublicId("tkt")
    TRANSACTION = PublicId("txn")
    USER = PublicId("usr")
    WISHLIST_ITEM = PublicId("wish")


class CryptoShopIds:
    """The ids of the CryptoShop contract (docs/contracts/cryptoshop-api.md)."""

    ESCROW = PublicId("escrow")
    MESSAGE = MESSAGE
    ORDER = PublicId("order")
    ORDER_ITEM = PublicId("item")
    PARTICIPANT = PublicId("participant")
    PRODUCT = PublicId("product")
    REVIEW = PublicId("review")
    SELLER = PublicId("seller")
    TICKET = PublicId("ticket")
    TRANSACTION = PublicId("tx")
    USER = PublicId("user")
    WALLET = PublicId("wallet")
    WEBHOOK = PublicId("webhook")
    WITHDRAWAL = PublicId("wd")
