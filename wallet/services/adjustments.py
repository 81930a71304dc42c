"""Staff adjustments: the one way staff put money into or take it out of an account.

Never an edit of a balance: an adjustment is a balanced ledger transaction between the
account and the platform's "staff adjustments" account (outside money, like the gateway),
posted with who made it and why, so it shows in the account's statement, in the admin and
in every later audit. Only superusers and staff holding `wallet.adjust_balance` may make
one (the admin offers the action to them alone; the service checks again).
"""

from __future__ import annotations

import uuid

from django.db import transaction

from core.errors import ErrorKind

from ..errors import WalletError, WalletErrorCode
from ..events import amount_text
from ..models import Account, LedgerTransaction
from .ledger import Leg, ledger_post, system_account

REASON_MAX_LENGTH = 500
PERMISSION = "wallet.adjust_balance"


def adjustment_allowed(user) -> bool:
    return bool(user and user.is_active and user.is_staff and user.has_perm(PERMISSION))


@transaction.atomic(durable=True)
def account_adjust(
    *, account_id: int, amount_minor: int, reason: str, staff_user, request_key: str = ""
) -> LedgerTransaction:
    """Credit (+) or debit (-) `amount_minor` to the account, against the staff adjustments
    account, recording `staff_user` and `reason`. `request_key` (the admin form's) makes a
    form submitted twice post once.

    A debit that would take an account holding money below zero is refused
    (`InsufficientFunds`) and nothing is written; so are a zero amount, a blank reason, an
    unknown account and a user without the permission.
    """
    if not adjustment_allowed(staff_user):
        raise WalletError(
            WalletErrorCode.ADJUSTMENT_NOT_ALLOWED,
            "Only staff with the “adjust balance” permission may adjust a balance",
            kind=ErrorKind.FORBIDDEN,
        )
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool) or not amount_minor:
        raise WalletError(
            WalletErrorCode.INVALID_AMOUNT, "An adjustment is a non-zero amount", field="amount"
        )
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX_LENGTH:
        raise WalletError(
            WalletErrorCode.REASON_REQUIRED,
            f"Say why, in at most {REASON_MAX_LENGTH} characters",
            field="reason",
        )
    account = Account.objects.select_related("user").filter(pk=account_id).first()
    if account is None:
        raise WalletError(
            WalletErrorCode.WALLET_NOT_FOUND, "Account not found", kind=ErrorKind.NOT_FOUND
        )
    if account.kind == Account.Kind.ADJUSTMENTS:
        raise WalletError(
            WalletErrorCode.ADJUSTMENT_NOT_ALLOWED,
            "The staff adjustments account is the other side of every adjustment; "
            "adjust the account the money belongs to",
        )
    counterpart = system_account(Account.Kind.ADJUSTMENTS, account.currency)
    posting = ledger_post(
        key=f"adjust:{request_key or uuid.uuid4().hex}",
        kind=LedgerTransaction.Kind.ADJUSTMENT,
        legs=[Leg(account, amount_minor), Leg(counterpart, -amount_minor)],
        description=f"Adjustment by staff: {reason}",
        created_by=staff_user,
        reason=reason,
        # the balance read before the lock: good enough to explain the refusal
        insufficient_message=(
            f"Refused: a debit of {amount_text(-amount_minor, account.currency)} would take "
            f"{account} below zero (balance {amount_text(account.balance_minor, account.currency)})"
        ),
        insufficient_field="amount",
    )
    return posting.transaction
