"""The password backend of the admin's and the seller back office's sign-in forms."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


class AccountBackend(ModelBackend):
    """Django's, refusing a suspended account as Django refuses an inactive one: its
    password signs it in nowhere, and the sessions it already has stop working (Django asks
    the same question of every session's user, `get_user`)."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and getattr(user, "suspended_at", None) is None
