"""The only place order rows are locked (FOR UPDATE, pk order)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from .models import Coupon, Order, OrderNumberCounter


def order_lock(order_id: int) -> Order:
    return Order.objects.select_for_update(of=("self",)).get(pk=order_id)


def coupon_lock(coupon_id: int) -> Coupon:
    return Coupon.objects.select_for_update().get(pk=coupon_id)


def order_counter_lock(*, storefront: str, year: int) -> OrderNumberCounter:
    """The (storefront, year) counter row, created on first use, locked until commit (SQLite's
    order numbers; PostgreSQL numbers from sequences, `orders.numbers`)."""
    qs = OrderNumberCounter.objects.select_for_update()
    counter = qs.filter(storefront=storefront, year=year).first()
    if counter is not None:
        return counter
    try:
        with transaction.atomic():  # savepoint: a racing creator wins, we then lock its row
            OrderNumberCounter.objects.create(storefront=storefront, year=year, last=0)
    except IntegrityError:
        pass
    return qs.get(storefront=storefront, year=year)


def cart_lock(user_id: int):
    from .models import Cart

    return Cart.objects.select_for_update().filter(user_id=user_id).first()
