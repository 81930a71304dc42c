"""Orders paid from, and refunded to, a Techaven wallet: ledger movements inside the
order's own transaction (no outside service is involved, so nothing waits on a provider).

These and `payments.payment_open` / `payments.refund_start` are the orders domain's one way
into the wallet; outcomes come back through `wallet.outcomes`.
"""

from __future__ import annotations

from core.ids import TechavenIds
from core.money import Currency

from ..errors import InsufficientFunds
from ..events import amount_text, wallet_moved
from ..models import Account, LedgerTransaction
from .ledger import ledger_post, system_account, transfer, wallet_account

WALLET_PROVIDER = "wallet"
WALLET_LABEL = "Techaven Wallet"


def order_pay_from_wallet(
    *, user, order_uid: str, order_number: str, amount_minor: int, currency: str
) -> LedgerTransaction:
    """The buyer's wallet → order receipts, once per order (`order-pay:<order>`). Raises
    `InsufficientFunds` (on `payment_method_id`) when the balance is short: the caller's
    transaction then rolls back and nothing changes."""
    wallet = wallet_account(user=user, currency=currency)
    if wallet.balance_minor < amount_minor:  # the clear message; the lock below decides
        raise _short(wallet, amount_minor)
    try:
        posting = ledger_post(
            key=f"order-pay:{order_uid}",
            kind=LedgerTransaction.Kind.ORDER_PAYMENT,
            legs=transfer(wallet, system_account(Account.Kind.SALES, currency), amount_minor),
            description=f"Payment for order {order_number}",
            reference=TechavenIds.ORDER(order_uid),
        )
    except InsufficientFunds:
        wallet.refresh_from_db(fields=["balance_minor"])
        raise _short(wallet, amount_minor) from None
    if posting.created:
        wallet_moved(
            account=wallet,
            ledger_transaction=posting.transaction,
            amount_minor=-amount_minor,
            title="Wallet payment",
            body=f"{amount_text(amount_minor, currency)} paid from your wallet for order "
            f"{order_number}",
        )
    return posting.transaction


def order_refund_to_wallet(*, order_uid: str, order_number: str) -> LedgerTransaction | None:
    """Give a wallet-paid order's money back to the wallet it came from, once
    (`order-refund:<order>`). None when the order was not paid from a wallet."""
    payment = (
        LedgerTransaction.objects.filter(key=f"order-pay:{order_uid}")
        .prefetch_related("entries__account")
        .first()
    )
    if payment is None:
        return None
    paid_from = next(e for e in payment.entries.all() if e.account.kind == Account.Kind.WALLET)
    amount = -paid_from.amount_minor
    wallet = paid_from.account
    posting = ledger_post(
        key=f"order-refund:{order_uid}",
        kind=LedgerTransaction.Kind.ORDER_REFUND,
        legs=transfer(system_account(Account.Kind.SALES, wallet.currency), wallet, amount),
        description=f"Refund for order {order_number}",
        reference=TechavenIds.ORDER(order_uid),
    )
    if posting.created:
        wallet_moved(
            account=wallet,
            ledger_transaction=posting.transaction,
            amount_minor=amount,
            title="Refund to wallet",
            body=f"{amount_text(amount, wallet.currency)} refunded to your wallet for order "
            f"{order_number}",
        )
    return posting.transaction


def _short(wallet: Account, needed: int) -> InsufficientFunds:
    currency = wallet.currency
    available = amount_text(wallet.balance_minor, currency)
    if currency == Currency.MWK:
        message = (
            f"Insufficient wallet balance: {available} available, "
            f"{amount_text(needed, currency)} needed"
        )
    else:
        message = f"Insufficient wallet balance: {available} available"
    return InsufficientFunds(message, field="payment_method_id")
