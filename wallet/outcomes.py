"""How the wallet tells the orders domain what became of an order's money.

The wallet never imports order services: the orders app registers its handler here when
Django starts (`orders.apps.OrdersConfig.ready`), and the wallet calls it inside the
transaction that settles the payment, so the order's move and the settlement commit
together or not at all.
"""

from __future__ import annotations

from typing import Protocol


class OrderPaymentOutcomes(Protocol):
    def payment_succeeded(self, *, order_id: int, reference: str) -> bool:
        """The order's payment went through. False when the order no longer awaits it
        (expired or cancelled meanwhile): the handler marks its refund as processing and
        the wallet gives the money back."""

    def payment_failed(self, *, order_id: int, reference: str) -> None:
        """The buyer declined or the provider refused (or the payment could not be opened)."""

    def refund_settled(self, *, order_id: int, succeeded: bool) -> None:
        """A refund of the order's payment reached the buyer, or failed."""


_handler: OrderPaymentOutcomes | None = None


def outcomes_register(handler: OrderPaymentOutcomes) -> None:
    global _handler
    _handler = handler


def order_outcomes() -> OrderPaymentOutcomes:
    if _handler is None:  # pragma: no cover - the orders app is always installed
        raise RuntimeError("no handler of order payment outcomes is registered")
    return _handler
