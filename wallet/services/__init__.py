"""Every write of the wallet: see each module's docstring for its rules."""

from wallet.services.adjustments import account_adjust
from wallet.services.audit import AuditReport, ledger_audit
from wallet.services.ledger import Leg, Posting, ledger_post, system_account, wallet_account
from wallet.services.order_money import (
    WALLET_LABEL,
    WALLET_PROVIDER,
    order_pay_from_wallet,
    order_refund_to_wallet,
)
from wallet.services.payments import (
    CallbackOutcome,
    payment_callback_handle,
    payment_open,
    payment_settle,
    refund_again,
    refund_start,
)
from wallet.services.reconcile import (
    ReconcileResult,
    payment_reconcile,
    payments_reconcile_for_orders,
    payments_reconcile_pending,
)
from wallet.services.topups import topup_start, topups_expire

__all__ = [
    "WALLET_LABEL",
    "WALLET_PROVIDER",
    "AuditReport",
    "CallbackOutcome",
    "Leg",
    "Posting",
    "ReconcileResult",
    "account_adjust",
    "ledger_audit",
    "ledger_post",
    "order_pay_from_wallet",
    "order_refund_to_wallet",
    "payment_callback_handle",
    "payment_open",
    "payment_reconcile",
    "payment_settle",
    "payments_reconcile_for_orders",
    "payments_reconcile_pending",
    "refund_again",
    "refund_start",
    "system_account",
    "topup_start",
    "topups_expire",
    "wallet_account",
]
