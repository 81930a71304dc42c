"""Techaven wallet top-ups by mobile money (document section 8.3).

A top-up is a `PaymentAttempt` of kind `topup`: nothing is credited until the provider
confirms it (its callback, or reconcile asking its status API), and then exactly once
(`topup:<reference>` on the ledger). A declined top-up is never credited; one nobody
completed within `WALLET_TOPUP_TTL_MINUTES` expires and is never credited either (money
that still arrives for it is sent back).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.phones import AIRTEL, TNM, mobile_network, normalise_mobile
from core.money import Currency

from .. import conf
from ..errors import WalletError, WalletErrorCode
from ..events import amount_text
from ..locks import payment_attempt_lock
from ..models import PaymentAttempt
from .ledger import wallet_account
from .payments import attempt_open
from .reconcile import payment_reconcile

logger = logging.getLogger(__name__)

# the mobile-money provider that serves each network's numbers
NETWORK_PROVIDER = {AIRTEL: "airtel_money", TNM: "tnm_mpamba"}


def topup_start(*, user, amount_minor: int, phone_number: str) -> PaymentAttempt:
    """Open a mobile-money top-up of `user`'s MWK wallet. The provider follows from the
    number (Airtel Money for Airtel numbers, TNM Mpamba for TNM's). The buyer approves it
    at `payment_url`; the provider is called with no transaction open."""
    low, high = conf.topup_min_minor(), conf.topup_max_minor()
    if amount_minor < low or amount_minor > high:
        raise WalletError(
            WalletErrorCode.INVALID_AMOUNT,
            f"Amount must be between {amount_text(low, 'MWK')} and {amount_text(high, 'MWK')}",
            field="amount",
        )
    number = normalise_mobile(phone_number)
    provider = NETWORK_PROVIDER.get(mobile_network(number or "") or "")
    if number is None or provider is None:
        raise WalletError(
            WalletErrorCode.INVALID_PHONE,
            "Enter an Airtel Money (099/098) or TNM Mpamba (088/089/031) number",
            field="phone_number",
        )
    account = wallet_account(user=user, currency=Currency.MWK)
    return attempt_open(
        kind=PaymentAttempt.Kind.TOPUP,
        key=provider,
        account=account,
        amount_minor=amount_minor,
        currency=Currency.MWK,
        phone=number,
    )


def topups_expire(*, now: datetime | None = None) -> int:
    """Expire the top-ups still pending after `WALLET_TOPUP_TTL_MINUTES` (beat). The provider
    is asked first, so one whose callback was lost but that went through is credited, not
    expired. Returns how many expired."""
    now = now or timezone.now()
    references = list(
        PaymentAttempt.objects.filter(
            kind=PaymentAttempt.Kind.TOPUP,
            status=PaymentAttempt.Status.PENDING,
            created_at__lte=now - conf.topup_ttl(),
        )
        .order_by("created_at", "pk")
        .values_list("reference", flat=True)[: conf.reconcile_batch_size()]
    )
    expired = 0
    for reference in references:
        try:
            payment_reconcile(reference=reference)
        except Exception:  # the provider's silence must not keep a top-up alive forever
            logger.warning("top-up %s: reconcile before expiry failed", reference, exc_info=True)
        expired += topup_expire(reference=reference)
    if expired:
        logger.info("top-ups expired: %d", expired)
    return expired


@transaction.atomic(durable=True)
def topup_expire(*, reference: str) -> bool:
    """A pending top-up past its time: failed for good (`settled_by: expiry`)."""
    attempt = payment_attempt_lock(reference)
    if attempt is None or attempt.status != PaymentAttempt.Status.PENDING:
        return False
    attempt.status = PaymentAttempt.Status.FAILED
    attempt.settled_at = timezone.now()
    attempt.settled_by = PaymentAttempt.SettledBy.EXPIRY
    attempt.save(update_fields=["status", "settled_at", "settled_by"])
    return True
