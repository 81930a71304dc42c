"""What the catalog asks about purchases, without importing the orders app.

A review counts as a verified purchase when the reviewer's order with the product reached
them, and orders are the orders app's. Orders depend on the catalog (their lines are
products), so the catalog never imports them: the orders app registers its answer here
when Django starts (`orders.apps.OrdersConfig.ready`), as it registers its payment
outcomes with the wallet (`wallet/outcomes.py`).
"""

from __future__ import annotations

from typing import Protocol

from accounts.models import User


class BuyerReceivedProduct(Protocol):
    def __call__(self, *, user: User, product_id: int) -> bool:
        """Has `user` an order with this product that reached them (delivered or completed)?"""


_received: BuyerReceivedProduct | None = None


def purchases_register(received: BuyerReceivedProduct) -> None:
    global _received
    _received = received


def buyer_received_product(*, user: User, product_id: int) -> bool:
    if _received is None:  # pragma: no cover - the orders app is always installed
        raise RuntimeError("no answer to buyer_received_product is registered")
    return _received(user=user, product_id=product_id)
