"""Every write of payments: see each module's docstring for its rules."""

from wallet.services.payments import (
    CallbackOutcome,
    payment_callback_handle,
    payment_initiate,
    payment_settle,
    refund_start,
)
from wallet.services.reconcile import (
    ReconcileResult,
    payment_reconcile,
    payments_reconcile_for_orders,
    payments_reconcile_pending,
)

__all__ = [
    "CallbackOutcome",
    "ReconcileResult",
    "payment_callback_handle",
    "payment_initiate",
    "payment_reconcile",
    "payment_settle",
    "payments_reconcile_for_orders",
    "payments_reconcile_pending",
    "refund_start",
]
