"""The escrow events this domain publishes through the outbox (BRIEF decision 9), one per
person: the buyer and the seller each get `escrow.*` (webhook: the Escrow object;
Socket.IO: `escrow:updated` `{escrowId, status, message}`) and an in-app notification."""

from __future__ import annotations

from typing import Any

from core.ids import CryptoShopIds
from core.money import minor_to_decimal
from core.timefmt import api_datetime
from notifications.outbox import publish

from .models import Escrow


def _number(amount_minor: int | None, currency: str) -> float | None:
    # JSON has no decimal type: the exact decimal's shortest float repr, as DRF renders it
    return None if amount_minor is None else float(minor_to_decimal(amount_minor, currency))


def escrow_snapshot(escrow: Escrow, *, message: str) -> dict[str, Any]:
    return {
        "id": CryptoShopIds.ESCROW(escrow.uid),
        "orderId": CryptoShopIds.ORDER(escrow.order.uid),
        "amountBtc": _number(escrow.amount_minor, "BTC"),
        "amountEur": _number(escrow.amount_eur_minor, "EUR"),
        "status": escrow.status,
        "disputeRaised": escrow.dispute_raised,
        "disputeResolved": escrow.dispute_resolved,
        "fundedAt": api_datetime(escrow.funded_at),
        "confirmedAt": api_datetime(escrow.confirmed_at),
        "releasedAt": api_datetime(escrow.released_at),
        "createdAt": api_datetime(escrow.created_at),
        "updatedAt": api_datetime(escrow.updated_at),
        "message": message,
    }


def escrow_announce(
    escrow: Escrow, name: str, *, buyer: str, seller: str, title: str = "Escrow update"
) -> None:
    """Tell both parties, each in their own words (inside the caller's transaction)."""
    for user_id, message in ((escrow.buyer_id, buyer), (escrow.seller_id, seller)):
        if not message:
            continue
        publish(
            name,
            storefront="cryptoshop",
            user_id=user_id,
            data=escrow_snapshot(escrow, message=message),
            notification={
                "type": "ESCROW_UPDATE",
                "title": title,
                "body": message,
                "data": {"escrowId": CryptoShopIds.ESCROW(escrow.uid), "status": escrow.status},
            },
        )
