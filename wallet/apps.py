import logging

from django.apps import AppConfig
from django.db import transaction

logger = logging.getLogger(__name__)


class WalletConfig(AppConfig):
    name = "wallet"

    def ready(self) -> None:
        from .chain import blocks_mined

        blocks_mined.connect(_scan_deposits_now, dispatch_uid="wallet.deposits_scan")


def _scan_deposits_now(sender, **kwargs) -> None:
    """A sandbox block was mined: look for deposits it confirmed now, not at the next poll."""
    from .tasks import btc_deposits_scan

    def schedule() -> None:
        try:
            btc_deposits_scan.delay()
        except Exception:  # broker down: beat's poll credits them a little later
            logger.warning("deposit scan not scheduled; beat will run it", exc_info=True)

    transaction.on_commit(schedule)
