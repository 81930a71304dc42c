import logging

from django.apps import AppConfig

logger = logging.getLogger(__name__)


class EscrowConfig(AppConfig):
    name = "escrow"

    def ready(self) -> None:
        from orders.signals import order_moved
        from wallet.signals import btc_wallet_credited

        order_moved.connect(_order_moved, dispatch_uid="escrow.order_moved")
        btc_wallet_credited.connect(_wallet_credited, dispatch_uid="escrow.wallet_credited")


def _order_moved(sender, **kwargs) -> None:
    from .services import on_order_moved

    on_order_moved(**kwargs)


def _wallet_credited(sender, *, user_id: int, **kwargs) -> None:
    """A deposit reached a buyer's wallet: their escrows waiting for it are funded now."""
    from .tasks import escrows_fund_for

    try:
        escrows_fund_for.delay(user_id)
    except Exception:  # broker down: beat's sweep funds them a little later
        logger.warning("escrow funding not scheduled; beat will do it", exc_info=True)
