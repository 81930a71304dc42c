"""Locks are taken in one order on every money path: the order's rows (products, the shop's
counters) before the ledger's accounts. A review found wallet checkout and escrow funding
taking the accounts first while a cancel took the shop or product first: a deadlock on
PostgreSQL (a 500 for one of the two). Two real threads, the first paused while it holds what
it has locked so far, long enough for the second to take its first locks."""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet

import orders.services.status as status_module
import wallet.services.ledger as ledger_module
from catalog.models import Product, Shop
from escrow.services import escrows_fund_pending
from orders.models import CartItem, Order
from orders.services.cart import cart_get_or_create
from orders.services.checkout import order_create_from_cart
from orders.services.payment_outcomes import OrderMoneyOutcomes
from orders.services.status import (
    order_cancel,
    order_payment_succeeded,
    order_refund_settled,
)
from orders.state import Actor
from tests.factories.accounts import AddressFactory, TechavenUserFactory
from tests.factories.catalog import (
    CryptoShopProductFactory,
    CryptoShopSellerFactory,
    ProductFactory,
    ShopFactory,
)
from tests.factories.orders import OrderFactory, OrderItemFactory
from tests.helpers.escrow import create_escrow, place_order
from tests.helpers.orders import cryptoshop_account, fund_btc
from tests.helpers.wallet import fund
from wallet.models import Account, LedgerTransaction
from wallet.services.btc import btc_wallet_ensure
from wallet.services.ledger import Leg, ledger_post, system_account

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.USES_POSTGRES, reason="row locks are PostgreSQL's"),
]


def side_by_side(monkeypatch, first, second) -> dict[str, Exception]:
    """`first` pauses (up to 3 s) once it holds ledger accounts, until `second` has written
    a shop's or product's counters; `second` starts once `first` holds its accounts."""
    first_has_accounts, second_has_counters = threading.Event(), threading.Event()
    role = threading.local()
    real_lock, real_count = ledger_module.accounts_lock, status_module._count_sales

    def accounts_lock(ids):
        locked = real_lock(ids)
        if getattr(role, "name", "") == "first" and not first_has_accounts.is_set():
            first_has_accounts.set()
            second_has_counters.wait(3)
        return locked

    def count_sales(order, sign):
        real_count(order, sign)
        if getattr(role, "name", "") == "second":
            second_has_counters.set()

    monkeypatch.setattr(ledger_module, "accounts_lock", accounts_lock)
    monkeypatch.setattr(status_module, "_count_sales", count_sales)
    errors: dict[str, Exception] = {}

    def run(name, body, after=None):
        role.name = name
        try:
            if after is not None:
                after.wait(5)
            body()
        except Exception as exc:  # kept for the assertion
            errors[name] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=("first", first)),
        threading.Thread(target=run, args=("second", second, first_has_accounts)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return errors


def test_a_wallet_checkout_and_a_wallet_refund_of_the_same_shop_do_not_deadlock(monkeypatch):
    shop = ShopFactory()
    p1, p2 = (ProductFactory(shop=shop, stock_quantity=10, price_minor=1_000) for _ in range(2))
    buyer1, buyer2 = TechavenUserFactory(), TechavenUserFactory()
    fund(buyer1, 100_000)
    fund(buyer2, 100_000)
    a1, a2 = AddressFactory(user=buyer1), AddressFactory(user=buyer2)
    CartItem.objects.create(cart=cart_get_or_create(user=buyer2), product=p2, quantity=1)
    paid = order_create_from_cart(
        user=buyer2, shipping_address_uid=a2.uid, payment_method_uid="wallet"
    )
    CartItem.objects.create(cart=cart_get_or_create(user=buyer1), product=p1, quantity=1)
    errors = side_by_side(
        monkeypatch,
        lambda: order_create_from_cart(
            user=buyer1, shipping_address_uid=a1.uid, payment_method_uid="wallet"
        ),
        lambda: order_cancel(order_id=paid.pk, actor=Actor.BUYER, user=buyer2, reason="No"),
    )
    assert not errors, errors
    assert sorted(Order.objects.values_list("status", flat=True)) == ["paid", "refunded"]


def test_funding_an_escrow_and_refunding_another_of_the_same_product_do_not_deadlock(monkeypatch):
    seller, _ = cryptoshop_account()
    product = CryptoShopProductFactory(
        shop=CryptoShopSellerFactory(owner=seller), price_minor=250_000, stock_quantity=10
    )
    (user_a, client_a), (user_b, client_b) = cryptoshop_account(), cryptoshop_account()
    order_a, order_b = place_order(client_a, product), place_order(client_b, product)
    fund_btc(user_b, 1_000_000)
    assert create_escrow(client_b, order_b).json()["data"]["status"] == "FUNDED"
    assert create_escrow(client_a, order_a).json()["data"]["status"] == "PENDING"
    # A's money arrives without its deposit's signal (as if that task were lost): the
    # sweep funds A's escrow while B's order is cancelled
    wallet_a = btc_wallet_ensure(user=user_a)
    ledger_post(
        key="test:credit-a", kind=LedgerTransaction.Kind.ADJUSTMENT,
        legs=[Leg(system_account(Account.Kind.ADJUSTMENTS, "BTC"), -1_000_000),
              Leg(wallet_a, 1_000_000)],
    )  # fmt: skip
    paid = Order.objects.get(uid=order_b.removeprefix("order_"))
    errors = side_by_side(
        monkeypatch,
        lambda: escrows_fund_pending(user_id=user_a.pk),
        lambda: order_cancel(order_id=paid.pk, actor=Actor.BUYER, user=user_b, reason="No"),
    )
    assert not errors, errors
    assert sorted(Order.objects.values_list("status", flat=True)) == ["paid", "refunded"]
    assert Account.objects.get(kind="escrow", currency="BTC").balance_minor == 250_000


def test_a_late_payment_marks_its_refund_under_the_orders_lock(monkeypatch):
    """Money for an order that no longer awaits it: the orders-side handler of the wallet's
    outcome decides and marks the refund (`refund_status` processing) under one hold of the
    order's row lock. It used to write after that lock was gone (a plain UPDATE when called
    outside a transaction), so whatever wrote the refund status in between (here a refund
    settling) was overwritten."""
    order = OrderFactory(status="cancelled")
    payment_holds_lock, settle_started = threading.Event(), threading.Event()
    role = threading.local()
    real_lock = status_module.order_lock

    def order_lock(order_id):
        locked = real_lock(order_id)
        if getattr(role, "name", "") == "late payment" and not payment_holds_lock.is_set():
            payment_holds_lock.set()
            settle_started.wait(3)
            time.sleep(0.5)  # the settle now waits for this lock
        return locked

    monkeypatch.setattr(status_module, "order_lock", order_lock)
    results: dict[str, object] = {}

    def late_payment():
        role.name = "late payment"
        results["paid"] = OrderMoneyOutcomes().payment_succeeded(
            order_id=order.pk, reference="late-1"
        )

    def refund_settles():
        payment_holds_lock.wait(5)
        settle_started.set()
        order_refund_settled(order_id=order.pk, succeeded=False)

    def run(body):
        try:
            body()
        except Exception as exc:  # kept for the assertion
            results[body.__name__] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(b,)) for b in (late_payment, refund_settles)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == {"paid": False}
    # the settle came second, under the lock, and nothing wrote over it
    assert Order.objects.get(pk=order.pk).refund_status == Order.RefundStatus.FAILED


def test_two_payments_of_orders_listing_the_same_products_in_another_order_do_not_deadlock(
    monkeypatch,
):
    """A paid order counts its sales: an UPDATE of each product, then of each shop, each row
    locked until the commit. They were written in the order's item order, so two payments
    settling orders of [a, b] and [b, a] deadlocked (the review's test; one callback a 500).
    Each payment pauses after its first product (up to 1 s) until the other has written one."""
    shop_a, shop_b = ShopFactory(), ShopFactory()
    a = ProductFactory(shop=shop_a, stock_quantity=10, price_minor=1_000)
    b = ProductFactory(shop=shop_b, stock_quantity=10, price_minor=2_000)
    o1, o2 = OrderFactory(status="pending"), OrderFactory(status="pending")
    for order, products in ((o1, (a, b)), (o2, (b, a))):
        for product in products:
            OrderItemFactory(order=order, product=product)
    wrote_first = {name: threading.Event() for name in ("o1", "o2")}
    role = threading.local()
    real_update = QuerySet.update

    def update(qs, **kwargs):
        done = real_update(qs, **kwargs)
        me = getattr(role, "name", None)
        if qs.model is Product and me and not wrote_first[me].is_set():
            wrote_first[me].set()
            wrote_first["o2" if me == "o1" else "o1"].wait(1)
        return done

    monkeypatch.setattr(QuerySet, "update", update)
    errors: dict[str, Exception] = {}

    def settle(name, order):
        role.name = name
        try:
            with transaction.atomic(durable=True):  # as payment_settle's transaction
                order_payment_succeeded(order_id=order.pk, reference=f"ref-{name}")
        except Exception as exc:  # kept for the assertion
            errors[name] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=settle, args=(n, o)) for n, o in (("o1", o1), ("o2", o2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert sorted(Order.objects.values_list("status", flat=True)) == ["paid", "paid"]
    assert sorted(Product.objects.values_list("sales_count", flat=True)) == [2, 2]
    assert sorted(Shop.objects.values_list("sales_count", flat=True)) == [2, 2]
