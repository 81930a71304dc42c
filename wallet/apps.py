from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.db import transaction

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)


class WalletConfig(AppConfig):
    name = "wallet"

    def ready(self) -> None:
        from accounts.hooks import techaven_account_opened_register

        from .chain import blocks_mined

        blocks_mined.connect(_scan_deposits_now, dispatch_uid="wallet.deposits_scan")
        techaven_account_opened_register(_techaven_wallet_open)


def _techaven_wallet_open(*, user: User) -> None:
    """A Techaven wallet exists from sign-up (in the sign-up's transaction)."""
    from core.money import Currency

    from .services.ledger import wallet_account

    wallet_account(user=user, currency=Currency.MWK)


def _scan_deposits_now(sender, **kwargs) -> None:
    """A sandbox block was mined: look for deposits it confirmed now, not at the next poll."""
    from .tasks import btc_deposits_scan

    def schedule() -> None:
        try:
            btc_deposits_scan.delay()
        except Exception:  # broker down: beat's poll credits them a little later
            logger.warning("deposit scan not scheduled; beat will run it", exc_info=True)

    transaction.on_commit(schedule)
