"""Techaven shipping addresses (document section 9): exactly one default per user.

Every write locks the user row first, so that concurrent adds, deletes and
default changes of one user's address book run one after the other; the
partial unique constraint `one_default_address_per_user` is the last net.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from accounts.errors import AccountError, AccountErrorCode
from accounts.locks import user_lock
from accounts.models import Address, User
from accounts.services.defaults import delete_keeping_default, make_default
from accounts.services.profile import mobile_check
from core.errors import ErrorKind


@dataclass(frozen=True, slots=True)
class AddressInput:
    full_name: str
    phone: str
    address_line_1: str
    city: str
    label: str = ""
    address_line_2: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = "Malawi"
    is_default: bool = False


def _not_found() -> AccountError:
    return AccountError(
        AccountErrorCode.ADDRESS_NOT_FOUND, "Address not found", kind=ErrorKind.NOT_FOUND
    )


def _owned(user: User, uid: str | None) -> Address:
    # another user's address answers exactly like one that does not exist
    address = Address.objects.filter(user=user, uid=uid or "").first() if uid else None
    if address is None:
        raise _not_found()
    return address


def _apply(address: Address, data: AddressInput) -> None:
    address.label = data.label
    address.full_name = " ".join(data.full_name.split())
    address.phone = mobile_check(data.phone)
    address.address_line_1 = data.address_line_1
    address.address_line_2 = data.address_line_2
    address.city = data.city
    address.state = data.state
    address.postal_code = data.postal_code
    address.country = data.country or "Malawi"


@transaction.atomic(durable=True)
def address_create(*, user: User, data: AddressInput) -> Address:
    """Add an address; the first one, or one asked to be, becomes the default."""
    user_lock(user.pk)
    address = Address(user=user)
    _apply(address, data)
    has_default = Address.objects.filter(user=user, is_default=True).exists()
    address.is_default = False
    address.save()
    if data.is_default or not has_default:
        make_default(address)
    return address


@transaction.atomic(durable=True)
def address_update(*, user: User, uid: str | None, data: AddressInput) -> Address:
    """Replace an address's fields. `is_default: true` makes it the default; `false` on the
    default keeps it (a user always has one default: choose another to move it)."""
    user_lock(user.pk)
    address = _owned(user, uid)
    _apply(address, data)
    address.save()
    if data.is_default:
        make_default(address)
    return address


@transaction.atomic(durable=True)
def address_delete(*, user: User, uid: str | None) -> None:
    """Delete an address; when it was the default, the oldest remaining one takes over."""
    user_lock(user.pk)
    address = _owned(user, uid)
    delete_keeping_default(address)


@transaction.atomic(durable=True)
def address_set_default(*, user: User, uid: str | None) -> Address:
    user_lock(user.pk)
    address = _owned(user, uid)
    make_default(address)
    return address
