"""Coupons: checked and redeemed under a row lock so a limited coupon is never overused."""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone

from core.money import Currency, Money

from ..errors import OrderError, OrderErrorCode
from ..locks import coupon_lock
from ..models import Coupon, CouponRedemption, Order

FIELD = "coupon_code"


def _refuse(code: OrderErrorCode, message: str) -> OrderError:
    return OrderError(code, message, field=FIELD)


def coupon_take(
    *, storefront: str, code: str, user, subtotal: int, currency: str
) -> tuple[Coupon, int]:
    """Lock the coupon, check every rule, count one use; returns (coupon, discount in minor).

    Must run inside the order's transaction: the use is counted only if the order commits.
    """
    found = Coupon.objects.filter(storefront=storefront, code=code.strip().upper()).first()
    if found is None:
        raise _refuse(OrderErrorCode.COUPON_INVALID, "Coupon code is not valid")
    coupon = coupon_lock(found.pk)
    now = timezone.now()
    if not coupon.is_active:
        raise _refuse(OrderErrorCode.COUPON_INACTIVE, "Coupon is no longer active")
    if coupon.valid_from and now < coupon.valid_from:
        raise _refuse(OrderErrorCode.COUPON_NOT_STARTED, "Coupon is not valid yet")
    if coupon.valid_until and now >= coupon.valid_until:
        raise _refuse(OrderErrorCode.COUPON_EXPIRED, "Coupon has expired")
    if coupon.max_uses is not None and coupon.used_count >= coupon.max_uses:
        raise _refuse(OrderErrorCode.COUPON_EXHAUSTED, "Coupon has been used up")
    if coupon.max_uses_per_user is not None:
        mine = CouponRedemption.objects.filter(coupon=coupon, user=user).count()
        if mine >= coupon.max_uses_per_user:
            raise _refuse(OrderErrorCode.COUPON_USER_LIMIT, "You have already used this coupon")
    if subtotal < coupon.min_subtotal_minor:
        raise _refuse(
            OrderErrorCode.COUPON_MIN_SUBTOTAL,
            f"Coupon needs a subtotal of at least {coupon.min_subtotal_minor} {currency}",
        )
    if coupon.kind == Coupon.Kind.PERCENTAGE:
        discount = Money(subtotal, Currency(currency)).percent(coupon.value).amount_minor
    else:
        discount = int(coupon.value)
    Coupon.objects.filter(pk=coupon.pk).update(used_count=F("used_count") + 1)
    return coupon, min(discount, subtotal)


def coupon_release(*, order: Order) -> None:
    """Give back the use an order made of its coupon (the order was cancelled before paying
    or expired); the coupon row is locked while it is counted down."""
    redemption = CouponRedemption.objects.filter(order=order).first()
    if redemption is None:
        return
    coupon_lock(redemption.coupon_id)
    redemption.delete()
    Coupon.objects.filter(pk=redemption.coupon_id, used_count__gt=0).update(
        used_count=F("used_count") - 1
    )
