"""What the wallet reports about an order's money, handled here (registered with
`wallet.outcomes` when Django starts): the wallet never imports order services."""

from __future__ import annotations

from ..models import Order
from .status import order_mark_paid, order_payment_failed, order_refund_settled


class OrderMoneyOutcomes:
    def payment_succeeded(self, *, order_id: int, reference: str) -> bool:
        if order_mark_paid(order_id=order_id, reference=reference):
            return True
        # money for an order that no longer awaits it: the wallet sends it back
        Order.objects.filter(pk=order_id).update(refund_status=Order.RefundStatus.PROCESSING)
        return False

    def payment_failed(self, *, order_id: int, reference: str) -> None:
        order_payment_failed(order_id=order_id, reference=reference)

    def refund_settled(self, *, order_id: int, succeeded: bool) -> None:
        order_refund_settled(order_id=order_id, succeeded=succeeded)
