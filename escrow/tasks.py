from celery import shared_task

from .services import escrows_auto_release, escrows_cancel_expired, escrows_fund_pending


@shared_task(ignore_result=True)
def escrows_fund_for(user_id: int) -> int:
    """Fund `user_id`'s PENDING escrows their balance now covers (after a deposit)."""
    return escrows_fund_pending(user_id=user_id)


@shared_task(ignore_result=True)
def escrows_sweep() -> dict[str, int]:
    """Beat: auto-release confirmed escrows past their time (reminding buyers a day before),
    fund PENDING escrows a lost signal left waiting, cancel those of expired orders."""
    from .models import Escrow, EscrowStatus

    funded = sum(
        escrows_fund_pending(user_id=user_id)
        for user_id in Escrow.objects.filter(status=EscrowStatus.PENDING)
        .values_list("buyer_id", flat=True)
        .distinct()
    )
    return {
        "released": escrows_auto_release(),
        "funded": funded,
        "cancelled": escrows_cancel_expired(),
    }
