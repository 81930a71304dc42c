"""What other apps do when an account changes, without accounts importing them.

Every other app depends on users, so accounts imports none of them. An app that acts when
an account opens or a session ends registers its handler here when Django starts (its
`AppConfig.ready`), as the orders app registers its payment outcomes with the wallet
(`wallet/outcomes.py`); accounts calls it where the change happens, inside its transaction:

- a Techaven account opened: the wallet app opens its MWK wallet (a Techaven wallet exists
  from sign-up);
- sessions ended: the notifications app closes the sockets signed in with them, once the
  revocation commits (`notifications.realtime.sockets_revoke`);
- a username or avatar changed (what sellers' cards show): the catalog drops its cached
  pages once the change commits (`catalog.pagecache.catalog_changed`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from accounts.models import User


class AccountOpened(Protocol):
    def __call__(self, *, user: User) -> None: ...


class SessionsEnded(Protocol):
    def __call__(self, *, user_id: int, session_uids: Iterable[str] | None = None) -> None:
        """These sessions ended; None: every session of the user may have (check again)."""


class PublicProfileChanged(Protocol):
    def __call__(self) -> None: ...


_techaven_account_opened: AccountOpened | None = None
_sessions_ended: SessionsEnded | None = None
_public_profile_changed: PublicProfileChanged | None = None


def techaven_account_opened_register(handler: AccountOpened) -> None:
    global _techaven_account_opened
    _techaven_account_opened = handler


def sessions_ended_register(handler: SessionsEnded) -> None:
    global _sessions_ended
    _sessions_ended = handler


def public_profile_changed_register(handler: PublicProfileChanged) -> None:
    global _public_profile_changed
    _public_profile_changed = handler


def techaven_account_opened(*, user: User) -> None:
    if _techaven_account_opened is None:  # pragma: no cover - the wallet app is installed
        raise RuntimeError("no handler of opened Techaven accounts is registered")
    _techaven_account_opened(user=user)


def sessions_ended(*, user_id: int, session_uids: Iterable[str] | None = None) -> None:
    if _sessions_ended is None:  # pragma: no cover - the notifications app is installed
        raise RuntimeError("no handler of ended sessions is registered")
    _sessions_ended(user_id=user_id, session_uids=session_uids)


def public_profile_changed() -> None:
    """A username or avatar (shown on sellers' cards) changed, or may have."""
    if _public_profile_changed is None:  # pragma: no cover - the catalog app is installed
        raise RuntimeError("no handler of changed public profiles is registered")
    _public_profile_changed()
