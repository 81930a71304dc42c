"""Who may settle an escrow in the admin: superusers, and staff holding `escrow.resolve_escrow`
(give it to a trust-and-safety group by hand; the "Support" group only reads the queue)."""

from __future__ import annotations

RESOLVE_PERMISSION = "escrow.resolve_escrow"


def resolution_allowed(user) -> bool:
    # has_perm is true for any active superuser
    return bool(user and user.is_active and user.is_staff and user.has_perm(RESOLVE_PERMISSION))
