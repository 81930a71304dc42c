"""Which status moves staff may make. Shared by the services and the admin form."""

from __future__ import annotations

from support.models import TicketStatus as S

# CLOSED is final; RESOLVED can be reopened (a user writing reopens it, see ticket_message_add)
ALLOWED_MOVES: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.IN_PROGRESS, S.RESOLVED, S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.OPEN, S.RESOLVED, S.CLOSED}),
    S.RESOLVED: frozenset({S.OPEN, S.IN_PROGRESS, S.CLOSED}),
    S.CLOSED: frozenset(),
}


def status_move_allowed(old: str, new: str) -> bool:
    return old == new or new in ALLOWED_MOVES.get(old, frozenset())
