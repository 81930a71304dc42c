"""What the wallet reports about an order's money, handled here (registered with
`wallet.outcomes` when Django starts): the wallet never imports order services."""

from __future__ import annotations

from .status import order_payment_failed, order_payment_succeeded, order_refund_settled


class OrderMoneyOutcomes:
    def payment_succeeded(self, *, order_id: int, reference: str) -> bool:
        # False: money for an order that no longer awaits it, which the wallet sends back
        return order_payment_succeeded(order_id=order_id, reference=reference)

    def payment_failed(self, *, order_id: int, reference: str) -> None:
        order_payment_failed(order_id=order_id, reference=reference)

    def refund_settled(self, *, order_id: int, succeeded: bool) -> None:
        order_refund_settled(order_id=order_id, succeeded=succeeded)
