"""The wallet events this domain publishes through the outbox (BRIEF decision 9).

`wallet.*` events have no Socket.IO or webhook mapping: they reach the user as an in-app
notification (Techaven `GET /notifications`, CryptoShop's `notification` event) and a push.
"""

from __future__ import annotations

from core.money import Currency, format_mwk, minor_to_decimal
from notifications.outbox import publish

from .models import Account, LedgerTransaction


def amount_text(amount_minor: int, currency: str) -> str:
    if currency == Currency.MWK:
        return format_mwk(amount_minor)
    return f"{minor_to_decimal(amount_minor, currency).normalize():f} {currency}"


def wallet_moved(
    *,
    account: Account,
    ledger_transaction: LedgerTransaction,
    amount_minor: int,
    title: str,
    body: str,
) -> None:
    """Tell the wallet's owner that money moved in or out of it (inside the transaction
    that moved it). `amount_minor` is signed: + into the wallet."""
    storefront = "techaven" if account.currency == Currency.MWK else "cryptoshop"
    txn_id = f"{'txn' if storefront == 'techaven' else 'tx'}_{ledger_transaction.uid}"
    data = {
        "transaction_id": txn_id,
        "type": "credit" if amount_minor > 0 else "debit",
        "amount": float(minor_to_decimal(abs(amount_minor), account.currency)),
        "currency": account.currency,
        "description": ledger_transaction.description,
        "message": body,
    }
    publish(
        f"wallet.{ledger_transaction.kind}",
        storefront=storefront,
        user_id=account.user_id,
        data=data,
        notification={
            "type": "wallet",
            "title": title,
            "body": body,
            "data": {"transaction_id": txn_id},
        },
    )
