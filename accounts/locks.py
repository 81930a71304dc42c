"""Row locks for account data; the only place in accounts that calls select_for_update."""

from __future__ import annotations

from accounts.models import User


def user_lock(user_id: int) -> User:
    """Serialises writes to one user's address book and payment methods.

    Locking the user row (rather than the addresses) also covers the first
    address, when there is no address row to lock yet.
    """
    return User.objects.select_for_update().get(pk=user_id)
