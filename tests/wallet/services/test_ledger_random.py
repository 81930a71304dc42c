"""A seeded random walk of 2,000 money operations through the real services, after which the
books must be exact.

Top-ups (approved, declined, decided with the callback lost and settled by reconcile,
replayed, expired, approved after expiry), wallet-paid Techaven orders and their cancels,
BTC deposits observed out of order, withdrawals sent or rejected, staff adjustments, and
CryptoShop orders held in escrow (funded at once or left pending until the balance covers
them, confirmed by the seller, released with the right code or tried with wrong ones until
locked, disputed, settled by staff — release, refund or split —, released automatically,
cancelled with their order) are chosen at random over a handful of Techaven (MWK) and
CryptoShop (BTC) wallets and two CryptoShop sellers. The test keeps its own model of what
every account must hold, moved only by the operations that must succeed; a refused operation
must raise and change nothing. After every step the balances must equal the model; at
intervals and at the end the whole ledger is checked (the audit, each cached balance against
its entries, no money-holding account below zero, each output with two confirmations
credited once, every currency summing to zero, the escrow holding account holding exactly
what the funded, confirmed and disputed escrows hold).

`LEDGER_RANDOM_SEED=<n>` replays another sequence; a failure names its seed and step.
"""

from __future__ import annotations

import os
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Count, Max, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import Product
from escrow import conf as escrow_conf
from escrow.errors import EscrowError, EscrowErrorCode
from escrow.models import HOLDS_MONEY, Escrow
from escrow.services import (
    escrow_create,
    escrow_dispute,
    escrow_fee,
    escrow_release,
    escrow_resolve,
    escrows_auto_release,
    escrows_fund_pending,
)
from orders.errors import OrderError, OrderErrorCode
from orders.models import CartItem, Order
from orders.services.cart import cart_get_or_create
from orders.services.checkout import order_checkout, order_create_from_items
from orders.services.pricing import totals_for
from orders.services.status import order_cancel, order_confirm
from orders.state import Actor, Status
from support.models import Ticket
from tests.factories.accounts import (
    AddressFactory,
    CryptoShopUserFactory,
    StaffUserFactory,
    TechavenUserFactory,
)
from tests.factories.catalog import (
    CryptoShopProductFactory,
    CryptoShopSellerFactory,
    ProductFactory,
    ShopFactory,
)
from tests.helpers.payments import lost_on_the_way, signed_callback
from wallet import sandbox
from wallet.chain import ChainOutput
from wallet.errors import InsufficientFunds, WalletError, WalletErrorCode
from wallet.models import (
    Account,
    Deposit,
    Entry,
    LedgerTransaction,
    PaymentAttempt,
    SandboxPayment,
    Withdrawal,
)
from wallet.sandbox import sandbox_decide
from wallet.sandbox_chain import sandbox_blocks_mine, sandbox_deposit_broadcast
from wallet.services import (
    account_adjust,
    ledger_audit,
    payment_reconcile,
    system_account,
    topup_start,
    topups_expire,
    wallet_account,
)
from wallet.services.btc import (
    btc_wallet_create,
    btc_wallet_set_payout_address,
    deposit_observe,
    deposits_scan,
    withdrawal_reject,
    withdrawal_request,
    withdrawal_send,
)
from wallet.services.reconcile import ReconcileResult
from wallet.services.topups import topup_expire

DEFAULT_SEED = 20_250_611
OPERATIONS = 2_000
FULL_CHECK_EVERY = 250
CONFIRMATIONS = 2
WITHDRAWAL_MIN_SAT = 10_000
# top-ups open at once: the expiry sweep settles them all in one batch (100)
MAX_OPEN_TOPUPS = 40

PHONES = (("+265991234567", "airtel_money"), ("+265881234567", "tnm_mpamba"))
PRICES = (2_500, 12_000, 45_000, 99_000, 240_000)
PAYOUT_ADDRESSES = (
    "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu",
    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
)
# BIP13's example P2SH address: nobody's deposit address here
FOREIGN_ADDRESS = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"
# CryptoShop products, in satoshis
CS_PRICES = (3_000, 40_000, 250_000, 1_200_000)
RELEASE_CODE = "open-sesame-42"
WRONG_CODE = "not-the-code"
RESOLUTIONS = (Escrow.Resolution.RELEASE, Escrow.Resolution.REFUND, Escrow.Resolution.SPLIT)


# --- what the test believes ------------------------------------------------------------------
@dataclass
class TopUp:
    reference: str
    provider: str
    wallet: int
    amount: int
    # open: undecided at the provider; lost: decided there, its callback lost, unsettled here;
    # credited; declined; expired; refunded: expired, then approved (paid back, never
    # credited); late_declined: expired, then declined
    state: str = "open"
    decision: str = ""  # the provider's record: approved / declined


@dataclass
class Output:
    txid: str
    address: str
    amount: int
    wallet: int | None  # None: paying an address that is not ours
    height: int | None = None
    credited: bool = False


@dataclass
class PaidOrder:
    id: int
    buyer: object
    wallet: int
    total: int
    cancelled: bool = False


@dataclass
class Payout:
    id: int
    wallet: int
    amount: int
    decided: bool = False


@dataclass
class Held:
    """A CryptoShop order's escrow, as the test believes it stands."""

    id: int
    uid: str
    order: int
    order_uid: str
    buyer: object
    seller: object
    wallet: int  # the buyer's BTC wallet
    seller_wallet: int
    amount: int
    status: str = "PENDING"  # escrow.models.EscrowStatus
    wrong: int = 0  # wrong release codes counted
    locked: bool = False  # five wrong codes: only staff settle it

    @property
    def holds_money(self) -> bool:
        return self.status in HOLDS_MONEY


class Walk:
    """The accounts, the model of what each must hold, and one method per operation. An
    operation returns False when it has nothing to act on (the walk then draws another)."""

    def __init__(self, rng: random.Random, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rng = rng
        self.monkeypatch = monkeypatch
        self.expected: defaultdict[int, int] = defaultdict(int)
        self.done: Counter[str] = Counter()  # outcomes, for the report
        self.ran: Counter[str] = Counter()  # operations, by name
        self.current = "setup"

        # staff who may decide withdrawals (wallet.decide_withdrawal)
        self.staff = StaffUserFactory()
        self.staff.user_permissions.add(
            Permission.objects.get(codename="decide_withdrawal", content_type__app_label="wallet")
        )
        self.superuser = StaffUserFactory(is_superuser=True)
        self.buyers = [TechavenUserFactory() for _ in range(4)]
        self.address = {buyer.pk: AddressFactory(user=buyer) for buyer in self.buyers}
        self.mwk = {b.pk: wallet_account(user=b, currency="MWK").pk for b in self.buyers}
        shop = ShopFactory()
        self.products = [
            ProductFactory(shop=shop, price_minor=price, stock_quantity=10**6) for price in PRICES
        ]
        # the first three BTC holders buy in escrow; two CryptoShop sellers sell to them,
        # and deposit, withdraw and are adjusted like any holder
        self.escrow_buyers = [CryptoShopUserFactory() for _ in range(3)]
        self.sellers = [CryptoShopUserFactory() for _ in range(2)]
        self.holders = self.escrow_buyers + self.sellers
        self.cs_products: dict[int, list[Product]] = {}
        for seller in self.sellers:
            shop = CryptoShopSellerFactory(owner=seller)
            self.cs_products[seller.pk] = [
                CryptoShopProductFactory(shop=shop, price_minor=price, stock_quantity=10**6)
                for price in CS_PRICES
            ]
        self.btc = {holder.pk: btc_wallet_create(user=holder).pk for holder in self.holders}
        self.deposit_address = dict(
            Account.objects.filter(pk__in=self.btc.values()).values_list("pk", "deposit_address")
        )
        # the third holder has no payout address until an operation sets one
        has_payout = self.holders[:2] + self.sellers
        for holder, payout in zip(has_payout, PAYOUT_ADDRESSES * 2, strict=True):
            btc_wallet_set_payout_address(user=holder, address=payout)
        self.has_payout = {h.pk: h in has_payout for h in self.holders}

        kind = Account.Kind
        self.gateway = system_account(kind.GATEWAY, "MWK").pk
        self.sales = system_account(kind.SALES, "MWK").pk
        self.chain = system_account(kind.CHAIN, "BTC").pk
        self.pending_out = system_account(kind.WITHDRAWALS, "BTC").pk
        self.holding = system_account(kind.ESCROW, "BTC").pk
        self.fees = system_account(kind.FEES, "BTC").pk
        self.adjustments = {
            "MWK": system_account(kind.ADJUSTMENTS, "MWK").pk,
            "BTC": system_account(kind.ADJUSTMENTS, "BTC").pk,
        }
        self.currency = {pk: "MWK" for pk in self.mwk.values()} | {
            pk: "BTC" for pk in self.btc.values()
        }

        self.topups: list[TopUp] = []
        self.outputs: list[Output] = []
        self.tip = 0
        self.orders: list[PaidOrder] = []
        self.payouts: list[Payout] = []
        self.escrows: list[Held] = []

    # --- the walk --------------------------------------------------------------------------
    def operations(self) -> dict[str, tuple[float, Callable[[], bool]]]:
        return {
            "topup_start": (13, self.topup_start),
            "topup_approve": (7, self.topup_approve),
            "topup_decline": (2, self.topup_decline),
            "topup_decided_callback_lost": (4, self.topup_decided_callback_lost),
            "topup_reconcile": (4, self.topup_reconcile),
            "callback_replay": (5, self.callback_replay),
            "topup_expire": (3, self.topup_expire),
            "topup_decided_after_expiry": (2, self.topup_decided_after_expiry),
            "topups_expire_sweep": (0.4, self.topups_expire_sweep),
            "checkout": (14, self.checkout),
            "order_cancel": (5, self.order_cancel),
            "order_cancel_again": (2, self.order_cancel_again),
            "deposit_broadcast": (7, self.deposit_broadcast),
            "blocks_mine": (4, self.blocks_mine),
            "deposit_observe": (10, self.deposit_observe),
            "deposits_scan": (1.2, self.deposits_scan),
            "withdrawal_request": (6, self.withdrawal_request),
            "withdrawal_send": (3, self.withdrawal_send),
            "withdrawal_reject": (2, self.withdrawal_reject),
            "withdrawal_decide_again": (1.5, self.withdrawal_decide_again),
            "adjust": (5, self.adjust),
            "payout_address_set": (0.6, self.payout_address_set),
            # escrow operations cost about three of the others: a fifth of the walk
            "escrow_order": (5, self.escrow_order),
            "escrow_create_again": (0.5, self.escrow_create_again),
            "escrows_fund_pending": (1.8, self.escrows_fund_pending),
            "escrow_confirm": (3, self.escrow_confirm),
            "escrow_release": (3.3, self.escrow_release),
            "escrow_wrong_code": (4, self.escrow_wrong_code),
            "escrow_dispute": (1.8, self.escrow_dispute),
            "escrow_resolve": (2, self.escrow_resolve),
            "escrows_auto_release": (0.9, self.escrows_auto_release),
            "escrow_order_cancel": (2.2, self.escrow_order_cancel),
        }

    def step(self) -> None:
        """Run one operation that has something to act on."""
        operations = self.operations()
        names = list(operations)
        weights = [operations[name][0] for name in names]
        while True:
            self.current = self.rng.choices(names, weights)[0]
            if operations[self.current][1]():
                self.ran[self.current] += 1
                return

    def move(self, account: int, amount: int) -> None:
        self.expected[account] += amount

    # --- checks ----------------------------------------------------------------------------
    def balances(self) -> dict[int, int]:
        return dict(Account.objects.values_list("pk", "balance_minor"))

    def assert_balances(self) -> None:
        actual = self.balances()
        wrong = {
            pk: (balance, self.expected.get(pk, 0))
            for pk, balance in actual.items()
            if balance != self.expected.get(pk, 0)
        }
        assert not wrong, f"balances differ from the model (account: (actual, expected)): {wrong}"

    def assert_books(self) -> None:
        """The whole ledger: the audit, then the same rules read from the entries again."""
        self.assert_balances()
        report = ledger_audit()
        assert report.ok, report.text()
        # every cached balance against its entries, and none that holds money below zero:
        # one aggregate query
        rows = Account.objects.annotate(
            summed=Coalesce(Sum("entries__amount_minor"), Value(0))
        ).values_list("pk", "kind", "balance_minor", "summed")
        for pk, kind, balance, summed in rows:
            assert balance == summed, f"account {pk}: cached {balance}, entries sum to {summed}"
            if kind not in Account.OUTSIDE:
                assert balance >= 0, f"account {pk} ({kind}) holds money and is at {balance}"
        credited = {(o.txid, 0) for o in self.outputs if o.credited}
        in_db = set(
            Deposit.objects.filter(status=Deposit.Status.CREDITED).values_list("txid", "vout")
        )
        assert in_db == credited
        assert LedgerTransaction.objects.filter(kind="deposit").count() == len(credited)
        assert not Deposit.objects.filter(status="credited", transaction__isnull=True).exists()
        totals = dict(
            Entry.objects.order_by()
            .values_list("currency")
            .annotate(total=Sum("amount_minor"))
            .values_list("currency", "total")
        )
        assert all(total == 0 for total in totals.values()), totals
        self.assert_escrows()
        if connection.vendor == "postgresql":
            # PostgreSQL's own rule, which only a commit would check (this test never
            # commits): made immediate, the deferred trigger checks every entry queued so far
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS wallet_entry_balanced IMMEDIATE")
                cursor.execute("SET CONSTRAINTS wallet_entry_balanced DEFERRED")

    def assert_escrows(self) -> None:
        """Every escrow stands as the model says, and the escrow holding account holds what
        the funded, confirmed and disputed escrows hold — no more, no less."""
        rows = Escrow.objects.values_list("pk", "status", "wrong_code_attempts", "locked_at")
        in_db = {pk: (status, wrong, locked is not None) for pk, status, wrong, locked in rows}
        assert in_db == {h.id: (h.status, h.wrong, h.locked) for h in self.escrows}
        held = Escrow.objects.filter(status__in=HOLDS_MONEY).aggregate(
            total=Coalesce(Sum("amount_minor"), Value(0))
        )["total"]
        holding = Account.objects.get(pk=self.holding).balance_minor
        assert holding == held == sum(h.amount for h in self.escrows if h.holds_money), (
            f"escrow holding {holding}, escrows holding money {held}"
        )

    def snapshot(self) -> tuple:
        return (
            self.balances(),
            LedgerTransaction.objects.count(),
            Entry.objects.count(),
            PaymentAttempt.objects.count(),
            Withdrawal.objects.count(),
            # any order or escrow moved shows in these counts and sums
            dict(Order.objects.order_by().values_list("status").annotate(n=Count("pk"))),
            CartItem.objects.count(),
            Product.objects.aggregate(stock=Sum("stock_quantity"))["stock"],
            dict(Escrow.objects.order_by().values_list("status").annotate(n=Count("pk"))),
            Escrow.objects.aggregate(
                wrong=Sum("wrong_code_attempts"),
                locked=Count("locked_at"),
                touched=Max("updated_at"),
            ),
            Ticket.objects.count(),
        )

    @contextmanager
    def refused(self, error: type[Exception], code: str | None = None) -> Iterator[None]:
        """The operation must raise `error` (with `code`) and write nothing."""
        before = self.snapshot()
        with pytest.raises(error) as raised:
            yield
        if code is not None:
            assert raised.value.code == code, raised.value
        assert self.snapshot() == before, f"a refused {self.current} changed something"

    # --- top-ups ---------------------------------------------------------------------------
    def _topups(self, *states: str) -> list[TopUp]:
        return [t for t in self.topups if t.state in states]

    def _attempt(self, topup: TopUp) -> PaymentAttempt:
        return PaymentAttempt.objects.get(reference=topup.reference)

    def _credit(self, topup: TopUp) -> None:
        topup.state = "credited"
        self.move(self.gateway, -topup.amount)
        self.move(topup.wallet, topup.amount)

    def topup_start(self) -> bool:
        if len(self._topups("open", "lost")) >= MAX_OPEN_TOPUPS:
            return False
        buyer = self.rng.choice(self.buyers)
        phone, provider = self.rng.choice(PHONES)
        if self.rng.random() < 0.05:
            with self.refused(WalletError, WalletErrorCode.INVALID_AMOUNT):
                topup_start(
                    user=buyer, amount_minor=self.rng.choice([99, 2_000_001]), phone_number=phone
                )
            self.done["top-up refused (amount out of bounds)"] += 1
            return True
        if self.rng.random() < 0.05:
            amount = self.rng.choice([100, 2_000_000])  # the bounds themselves are allowed
        else:
            small, large = self.rng.randint(100, 20_000), self.rng.randint(20_000, 500_000)
            amount = self.rng.choice([small, large])
        attempt = topup_start(user=buyer, amount_minor=amount, phone_number=phone)
        assert (attempt.kind, attempt.status, attempt.provider) == ("topup", "pending", provider)
        self.topups.append(TopUp(attempt.reference, provider, self.mwk[buyer.pk], amount))
        self.done["top-up started"] += 1
        return True

    def topup_approve(self) -> bool:
        return self._decide(approve=True)

    def topup_decline(self) -> bool:
        return self._decide(approve=False)

    def _decide(self, *, approve: bool) -> bool:
        candidates = self._topups("open")
        if not candidates:
            return False
        topup = self.rng.choice(candidates)
        sandbox_decide(reference=topup.reference, approve=approve)
        attempt = self._attempt(topup)
        assert attempt.settled_by == "callback"
        if approve:
            assert attempt.status == "succeeded"
            topup.decision = "approved"
            self._credit(topup)
            self.done["top-up approved (credited by its callback)"] += 1
        else:
            assert attempt.status == "failed"
            topup.decision, topup.state = "declined", "declined"
            self.done["top-up declined"] += 1
        return True

    def topup_decided_callback_lost(self) -> bool:
        candidates = self._topups("open")
        if not candidates:
            return False
        topup = self.rng.choice(candidates)
        approve = self.rng.random() < 0.8
        with self.monkeypatch.context() as patch:
            patch.setattr(sandbox, "callback_deliver", lost_on_the_way)
            sandbox_decide(reference=topup.reference, approve=approve)
        assert self._attempt(topup).status == "pending"
        topup.state, topup.decision = "lost", "approved" if approve else "declined"
        self.done[f"top-up {topup.decision}, callback lost"] += 1
        return True

    def topup_reconcile(self) -> bool:
        if self.rng.random() < 0.2 and self._topups("open"):
            # the buyer has not decided yet: reconcile learns nothing
            topup = self.rng.choice(self._topups("open"))
            assert payment_reconcile(reference=topup.reference) == ReconcileResult.PENDING
            self.done["reconcile of an undecided top-up (still pending)"] += 1
            return True
        candidates = self._topups("lost")
        if not candidates:
            return False
        topup = self.rng.choice(candidates)
        assert payment_reconcile(reference=topup.reference) == ReconcileResult.SETTLED
        attempt = self._attempt(topup)
        assert attempt.settled_by == "reconcile"
        if topup.decision == "approved":
            assert attempt.status == "succeeded"
            self._credit(topup)
            self.done["lost approval settled by reconcile (credited)"] += 1
        else:
            assert attempt.status == "failed"
            topup.state = "declined"
            self.done["lost decline settled by reconcile"] += 1
        return True

    def callback_replay(self) -> bool:
        """A settled top-up hears from its provider again: nothing moves, no second refund."""
        candidates = self._topups("credited", "declined", "refunded", "late_declined")
        if not candidates:
            return False
        topup = self.rng.choice(candidates)
        refunds = self._refunds(topup)
        how = self.rng.choice(["callback", "conflicting callback", "reconcile", "second click"])
        if how == "conflicting callback" and topup.state in ("refunded", "late_declined"):
            how = "callback"  # an expired top-up reported paid is refunded: not a replay
        if how == "reconcile":
            settled = ReconcileResult.ALREADY_SETTLED
            assert payment_reconcile(reference=topup.reference) == settled
        elif how == "second click":
            # the first decision stands; the sandbox sends its callback again
            sandbox_decide(reference=topup.reference, approve=self.rng.random() < 0.5)
            decision = SandboxPayment.objects.get(reference=topup.reference).decision
            assert decision == topup.decision
        else:
            succeeded = (topup.decision == "approved") == (how == "callback")
            response = signed_callback(
                topup.reference, succeeded=succeeded, provider=topup.provider
            )
            assert response.status_code == 200, response.content
            assert response.json()["replayed"] is True
        assert self._refunds(topup) == refunds
        self.done[f"replay ({how}) of a settled top-up"] += 1
        return True

    def _refunds(self, topup: TopUp) -> int:
        return PaymentAttempt.objects.filter(
            kind=PaymentAttempt.Kind.REFUND, refund_of__reference=topup.reference
        ).count()

    def topup_expire(self) -> bool:
        if self.rng.random() < 0.15 and self._topups("credited", "declined", "expired"):
            # only a pending top-up expires
            topup = self.rng.choice(self._topups("credited", "declined", "expired"))
            assert topup_expire(reference=topup.reference) is False
            self.done["expiry of a settled top-up (refused)"] += 1
            return True
        # an undecided one: a top-up decided at the provider is expired only by the sweep,
        # which asks the provider first
        candidates = self._topups("open")
        if not candidates:
            return False
        topup = self.rng.choice(candidates)
        assert topup_expire(reference=topup.reference) is True
        attempt = self._attempt(topup)
        assert (attempt.status, attempt.settled_by) == ("failed", "expiry")
        topup.state = "expired"
        self.done["top-up expired"] += 1
        return True

    def topup_decided_after_expiry(self) -> bool:
        candidates = self._topups("expired")
        if not candidates:
            return False
        topup = self.rng.choice(candidates)
        approve = self.rng.random() < 0.75
        sandbox_decide(reference=topup.reference, approve=approve)
        attempt = self._attempt(topup)
        assert (attempt.status, attempt.settled_by) == ("failed", "expiry")
        if approve:
            # never credited: the money goes back through the provider
            assert self._refunds(topup) == 1
            topup.state, topup.decision = "refunded", "approved"
            self.done["expired top-up approved late (refund, no credit)"] += 1
        else:
            assert self._refunds(topup) == 0
            topup.state, topup.decision = "late_declined", "declined"
            self.done["expired top-up declined late"] += 1
        return True

    def topups_expire_sweep(self) -> bool:
        """Beat's expiry, once every open top-up is past its time: the provider is asked
        first, so a decided one whose callback was lost is settled as decided, not expired."""
        candidates = self._topups("open", "lost")
        if not candidates:
            return False
        later = timezone.now() + timedelta(minutes=31)
        expired = topups_expire(now=later)
        assert expired == len(self._topups("open"))
        for topup in candidates:
            if topup.state == "open":
                topup.state = "expired"
            elif topup.decision == "approved":
                self._credit(topup)
            else:
                topup.state = "declined"
        self.done["top-ups expiry sweep"] += 1
        self.done["top-ups expired by the sweep"] += expired
        return True

    # --- wallet-paid orders ----------------------------------------------------------------
    def checkout(self) -> bool:
        buyer = self.rng.choice(self.buyers)
        cart = cart_get_or_create(user=buyer)
        lines = {
            product: self.rng.randint(1, 3)
            for product in self.rng.sample(self.products, self.rng.randint(1, 3))
        }
        for product, quantity in lines.items():
            CartItem.objects.create(cart=cart, product=product, quantity=quantity)
        subtotal = sum(product.price_minor * quantity for product, quantity in lines.items())
        total = totals_for(storefront="techaven", currency="MWK", subtotal=subtotal).total
        wallet = self.mwk[buyer.pk]

        def pay() -> Order:
            return order_checkout(
                user=buyer,
                shipping_address_uid=self.address[buyer.pk].uid,
                payment_method_uid="wallet",
            )

        if self.expected[wallet] < total:
            with self.refused(InsufficientFunds, WalletErrorCode.INSUFFICIENT_FUNDS):
                pay()
            # the cart is as it was (checked above); the buyer empties it
            CartItem.objects.filter(cart=cart).delete()
            self.done["checkout refused (balance short)"] += 1
            return True
        order = pay()
        assert (order.status, order.is_paid, order.payment_provider) == ("paid", True, "wallet")
        assert order.total_minor == total
        assert not CartItem.objects.filter(cart=cart).exists()
        self.move(wallet, -total)
        self.move(self.sales, total)
        self.orders.append(PaidOrder(order.pk, buyer, wallet, total))
        self.done["checkout paid from the wallet"] += 1
        return True

    def order_cancel(self) -> bool:
        candidates = [order for order in self.orders if not order.cancelled]
        if not candidates:
            return False
        paid = self.rng.choice(candidates)
        order = order_cancel(order_id=paid.id, actor=Actor.BUYER, user=paid.buyer)
        assert order.status == Status.REFUNDED
        assert order.refund_status == Order.RefundStatus.COMPLETED
        paid.cancelled = True
        self.move(self.sales, -paid.total)
        self.move(paid.wallet, paid.total)
        self.done["paid order cancelled (refunded to the wallet)"] += 1
        return True

    def order_cancel_again(self) -> bool:
        candidates = [order for order in self.orders if order.cancelled]
        if not candidates:
            return False
        paid = self.rng.choice(candidates)
        with self.refused(OrderError, OrderErrorCode.INVALID_TRANSITION):
            order_cancel(order_id=paid.id, actor=Actor.BUYER, user=paid.buyer)
        self.done["second cancel (refused)"] += 1
        return True

    # --- BTC deposits ----------------------------------------------------------------------
    def confirmations(self, output: Output) -> int:
        return 0 if output.height is None else self.tip - output.height + 1

    def _deposit_credit(self, output: Output) -> None:
        output.credited = True
        self.move(self.chain, -output.amount)
        self.move(output.wallet, output.amount)

    def deposit_broadcast(self) -> bool:
        if self.rng.random() < 0.1:
            wallet, address = None, FOREIGN_ADDRESS
        else:
            wallet = self.btc[self.rng.choice(self.holders).pk]
            address = self.deposit_address[wallet]
        amount = self.rng.randint(1_000, 3_000_000)
        tx = sandbox_deposit_broadcast(address=address, amount_sat=amount)
        self.outputs.append(Output(tx.txid, address, amount, wallet))
        self.done["deposit broadcast" + (" to a foreign address" if wallet is None else "")] += 1
        return True

    def blocks_mine(self) -> bool:
        count = self.rng.randint(1, 3)
        height = sandbox_blocks_mine(count=count)
        for output in self.outputs:
            if output.height is None:
                output.height = self.tip + 1
        self.tip += count
        assert height == self.tip
        self.done["blocks mined"] += 1
        return True

    def deposit_observe(self) -> bool:
        """One observation of an output, possibly stale (fewer confirmations than it has by
        now): observations arrive in any order and any number of times."""
        if not self.outputs:
            return False
        waiting = [o for o in self.outputs if not o.credited and o.wallet is not None]
        # mostly outputs still waiting for their credit; a credited one is a replay
        output = self.rng.choice(waiting if waiting and self.rng.random() < 0.7 else self.outputs)
        confirmations = self.confirmations(output)
        if self.rng.random() < 0.5:
            confirmations = self.rng.randint(0, confirmations)
        seen = ChainOutput(
            txid=output.txid,
            vout=0,
            address=output.address,
            amount_sat=output.amount,
            block_height=output.height if confirmations else None,
        )
        result = deposit_observe(output=seen, confirmations=confirmations)
        if output.wallet is None:
            assert result == "ignored"
        elif output.credited:
            assert result == "known"
        elif confirmations >= CONFIRMATIONS:
            assert result == "credited"
            self._deposit_credit(output)
        else:
            assert result == "pending"
            assert Deposit.objects.get(txid=output.txid).status == "pending"
        self.done[f"deposit observed: {result}"] += 1
        return True

    def deposits_scan(self) -> bool:
        expected: Counter[str] = Counter()
        for output in self.outputs:
            if output.wallet is None:
                continue
            if output.credited:
                expected["known"] += 1
            elif self.confirmations(output) >= CONFIRMATIONS:
                expected["credited"] += 1
                self._deposit_credit(output)
            else:
                expected["pending"] += 1
        assert deposits_scan() == expected
        self.done["deposits scan"] += 1
        return True

    # --- withdrawals -----------------------------------------------------------------------
    def withdrawal_request(self) -> bool:
        holder = self.rng.choice(self.holders)
        wallet = self.btc[holder.pk]
        balance = self.expected[wallet]
        if not self.has_payout[holder.pk]:
            with self.refused(WalletError, WalletErrorCode.NO_PAYOUT_ADDRESS):
                withdrawal_request(user=holder, amount_minor=WITHDRAWAL_MIN_SAT)
            self.done["withdrawal refused (no payout address)"] += 1
            return True
        roll = self.rng.random()
        if roll < 0.1:
            with self.refused(WalletError, WalletErrorCode.INVALID_AMOUNT):
                withdrawal_request(user=holder, amount_minor=self.rng.randint(1, 9_999))
            self.done["withdrawal refused (below the minimum)"] += 1
            return True
        if roll < 0.3 or balance < WITHDRAWAL_MIN_SAT:
            amount = max(balance + 1, WITHDRAWAL_MIN_SAT) + self.rng.randint(0, 500_000)
            with self.refused(InsufficientFunds, WalletErrorCode.INSUFFICIENT_FUNDS):
                withdrawal_request(user=holder, amount_minor=amount)
            self.done["withdrawal refused (above the balance)"] += 1
            return True
        amount = self.rng.randint(WITHDRAWAL_MIN_SAT, balance)
        withdrawal = withdrawal_request(user=holder, amount_minor=amount)
        assert (withdrawal.status, withdrawal.amount_minor) == ("pending", amount)
        self.move(wallet, -amount)
        self.move(self.pending_out, amount)
        self.payouts.append(Payout(withdrawal.pk, wallet, amount))
        self.done["withdrawal requested"] += 1
        return True

    def _undecided(self) -> Payout | None:
        candidates = [payout for payout in self.payouts if not payout.decided]
        return self.rng.choice(candidates) if candidates else None

    def _txid(self) -> str:
        return f"{self.rng.getrandbits(256):064x}"

    def withdrawal_send(self) -> bool:
        payout = self._undecided()
        if payout is None:
            return False
        txid = self._txid()
        withdrawal = withdrawal_send(withdrawal_id=payout.id, txid=txid, staff_user=self.staff)
        assert (withdrawal.status, withdrawal.txid) == ("sent", txid)
        payout.decided = True
        self.move(self.pending_out, -payout.amount)
        self.move(self.chain, payout.amount)
        self.done["withdrawal sent"] += 1
        return True

    def withdrawal_reject(self) -> bool:
        payout = self._undecided()
        if payout is None:
            return False
        withdrawal = withdrawal_reject(
            withdrawal_id=payout.id, reason="Payout address flagged", staff_user=self.staff
        )
        assert withdrawal.status == "rejected"
        payout.decided = True
        self.move(self.pending_out, -payout.amount)
        self.move(payout.wallet, payout.amount)
        self.done["withdrawal rejected"] += 1
        return True

    def withdrawal_decide_again(self) -> bool:
        candidates = [payout for payout in self.payouts if payout.decided]
        if not candidates:
            return False
        payout = self.rng.choice(candidates)
        with self.refused(WalletError, WalletErrorCode.WITHDRAWAL_NOT_PENDING):
            if self.rng.random() < 0.5:
                withdrawal_send(withdrawal_id=payout.id, txid=self._txid(), staff_user=self.staff)
            else:
                withdrawal_reject(withdrawal_id=payout.id, reason="Again", staff_user=self.staff)
        self.done["second withdrawal decision (refused)"] += 1
        return True

    def payout_address_set(self) -> bool:
        holder = self.rng.choice(self.holders)
        if self.rng.random() < 0.2:
            with self.refused(WalletError, WalletErrorCode.INVALID_ADDRESS):
                btc_wallet_set_payout_address(user=holder, address="bc1qnotanaddress")
            self.done["payout address refused (invalid)"] += 1
            return True
        btc_wallet_set_payout_address(user=holder, address=self.rng.choice(PAYOUT_ADDRESSES))
        self.has_payout[holder.pk] = True
        self.done["payout address set"] += 1
        return True

    # --- staff adjustments -----------------------------------------------------------------
    def adjust(self) -> bool:
        account = self.rng.choice(list(self.currency))
        currency = self.currency[account]
        balance = self.expected[account]
        largest = 200_000 if currency == "MWK" else 2_000_000
        if self.rng.random() < 0.5:
            amount = self.rng.randint(1, largest)
            kind = "credit"
        elif balance > 0 and self.rng.random() < 0.75:
            amount = -self.rng.randint(1, balance)
            kind = "debit"
        else:
            with self.refused(InsufficientFunds, WalletErrorCode.INSUFFICIENT_FUNDS):
                account_adjust(
                    account_id=account,
                    amount_minor=-(balance + self.rng.randint(1, largest)),
                    reason="Reverse a duplicate",
                    staff_user=self.superuser,
                )
            self.done["adjustment refused (debit beyond the balance)"] += 1
            return True
        adjustment = account_adjust(
            account_id=account,
            amount_minor=amount,
            reason="Support case",
            staff_user=self.superuser,
        )
        assert adjustment.created_by == self.superuser
        self.move(account, amount)
        self.move(self.adjustments[currency], -amount)
        self.done[f"adjustment ({kind}, {currency})"] += 1
        return True

    # --- CryptoShop orders held in escrow ---------------------------------------------------
    def _escrows(self, *statuses: str, locked: bool | None = None) -> list[Held]:
        return [
            h
            for h in self.escrows
            if h.status in statuses and (locked is None or h.locked == locked)
        ]

    def _refusing(self, others: list[Held]) -> Held:
        """One of the escrows an operation must refuse, a locked one now and then (a locked
        escrow answers 423 to everyone, even once staff settled it)."""
        locked = [h for h in others if h.locked]
        return self.rng.choice(locked if locked and self.rng.random() < 0.3 else others)

    def _party(self, held: Held):
        """The buyer or the seller: either may release with the code, or dispute."""
        return self.rng.choice([held.buyer, held.seller])

    def _order_status(self, held: Held) -> str:
        return Order.objects.values_list("status", flat=True).get(pk=held.order)

    def _fund(self, held: Held) -> None:
        held.status = "FUNDED"
        self.move(held.wallet, -held.amount)
        self.move(self.holding, held.amount)

    def _pay_seller(self, held: Held, gross: int) -> None:
        """Escrow holding → the seller's wallet, less the platform's fee."""
        fee = escrow_fee(gross)
        self.move(self.holding, -gross)
        self.move(held.seller_wallet, gross - fee)
        self.move(self.fees, fee)

    def _pay_buyer(self, held: Held, share: int) -> None:
        self.move(self.holding, -share)
        self.move(held.wallet, share)

    def escrow_order(self) -> bool:
        """A buyer orders from one seller and puts the order in escrow: funded at once when
        the balance covers it, else PENDING."""
        buyer = self.rng.choice(self.escrow_buyers)
        seller = self.rng.choice(self.sellers)
        products = self.rng.sample(self.cs_products[seller.pk], self.rng.randint(1, 2))
        order = order_create_from_items(
            user=buyer, items=[(p.uid, self.rng.randint(1, 2)) for p in products]
        )
        assert order.status == Status.PENDING
        escrow = escrow_create(user=buyer, order_uid=order.uid, release_code=RELEASE_CODE)
        held = Held(
            escrow.pk, escrow.uid, order.pk, order.uid, buyer, seller,
            self.btc[buyer.pk], self.btc[seller.pk], order.total_minor,
        )  # fmt: skip
        assert escrow.amount_minor == held.amount > 0
        self.escrows.append(held)
        if self.expected[held.wallet] >= held.amount:
            assert escrow.status == "FUNDED"
            assert self._order_status(held) == Status.PAID
            self._fund(held)
            self.done["escrow created and funded at once"] += 1
        else:
            assert escrow.status == "PENDING"
            assert self._order_status(held) == Status.PENDING
            self.done["escrow created, pending (balance short)"] += 1
        return True

    def escrow_create_again(self) -> bool:
        if not self.escrows:
            return False
        held = self.rng.choice(self.escrows)
        with self.refused(EscrowError, EscrowErrorCode.ESCROW_EXISTS):
            escrow_create(user=held.buyer, order_uid=held.order_uid, release_code=RELEASE_CODE)
        self.done["second escrow for an order (refused)"] += 1
        return True

    def escrows_fund_pending(self) -> bool:
        """What a deposit's signal does: the buyer's PENDING escrows, oldest first, funded
        while the balance covers each."""
        pending = self._escrows("PENDING")
        if not pending:
            return False
        buyer = self.rng.choice(pending).buyer
        balance = self.expected[self.btc[buyer.pk]]
        covered = []
        for held in pending:  # in creation order
            if held.buyer.pk == buyer.pk and held.amount <= balance:
                balance -= held.amount
                covered.append(held)
        assert escrows_fund_pending(user_id=buyer.pk) == len(covered)
        for held in covered:
            self._fund(held)
            assert self._order_status(held) == Status.PAID
        self.done["pending escrows funded"] += len(covered)
        self.done["pending escrows funding run" + ("" if covered else " (none covered)")] += 1
        return True

    def escrow_confirm(self) -> bool:
        pending = self._escrows("PENDING")
        if pending and self.rng.random() < 0.1:
            held = self.rng.choice(pending)
            with self.refused(OrderError, OrderErrorCode.INVALID_TRANSITION):
                order_confirm(order_id=held.order, actor=Actor.SELLER, user=held.seller)
            self.done["seller confirms an unpaid order (refused)"] += 1
            return True
        funded = self._escrows("FUNDED")
        if not funded:
            return False
        held = self.rng.choice(funded)
        order = order_confirm(order_id=held.order, actor=Actor.SELLER, user=held.seller)
        assert order.status == Status.PROCESSING
        held.status = "CONFIRMED"
        self.done["seller confirmed (escrow confirmed)"] += 1
        return True

    def escrow_release(self) -> bool:
        releasable = self._escrows("FUNDED", "CONFIRMED", locked=False)
        others = [h for h in self.escrows if h not in releasable]
        if others and (not releasable or self.rng.random() < 0.2):
            held = self._refusing(others)
            code = EscrowErrorCode.ESCROW_LOCKED if held.locked else EscrowErrorCode.NOT_RELEASABLE
            with self.refused(EscrowError, code):
                escrow_release(
                    user=self._party(held), escrow_uid=held.uid, release_code=RELEASE_CODE
                )
            self.done[f"release refused ({code}, escrow {held.status})"] += 1
            return True
        if not releasable:
            return False
        held = self.rng.choice(releasable)
        escrow = escrow_release(
            user=self._party(held), escrow_uid=held.uid, release_code=RELEASE_CODE
        )
        assert escrow.status == "RELEASED"
        assert escrow.seller_amount_minor == held.amount - escrow_fee(held.amount)
        self._pay_seller(held, held.amount)
        held.status = "RELEASED"
        assert self._order_status(held) == Status.COMPLETED
        self.done["escrow released with the code"] += 1
        return True

    def escrow_wrong_code(self) -> bool:
        """A wrong code is counted (committed though refused); the fifth locks the escrow,
        which only staff then settle. Most escrows stop short of the fifth."""
        candidates = self._escrows("FUNDED", "CONFIRMED", locked=False)
        tried = [h for h in candidates if h.wrong]
        if tried and self.rng.random() < 0.9:
            candidates = tried  # someone guessing goes on guessing
        if not candidates:
            return False
        held = self.rng.choice(candidates)
        if held.wrong == escrow_conf.MAX_WRONG_CODES - 1 and self.rng.random() < 0.25:
            return False
        before = self.balances()
        with pytest.raises(EscrowError) as raised:
            escrow_release(user=self._party(held), escrow_uid=held.uid, release_code=WRONG_CODE)
        assert raised.value.code == EscrowErrorCode.RELEASE_CODE_INVALID
        assert self.balances() == before
        held.wrong += 1
        if held.wrong == escrow_conf.MAX_WRONG_CODES:
            held.locked = True
            assert "locked" in raised.value.message
            self.done["fifth wrong code (escrow locked)"] += 1
        else:
            assert f"({escrow_conf.MAX_WRONG_CODES - held.wrong} tries left)" in str(raised.value)
            self.done["wrong release code (counted)"] += 1
        return True

    def escrow_dispute(self) -> bool:
        disputable = self._escrows("FUNDED", "CONFIRMED", locked=False)
        others = [h for h in self.escrows if h not in disputable]
        if others and (not disputable or self.rng.random() < 0.15):
            held = self._refusing(others)
            code = EscrowErrorCode.ESCROW_LOCKED if held.locked else EscrowErrorCode.NOT_DISPUTABLE
            with self.refused(EscrowError, code):
                escrow_dispute(user=self._party(held), escrow_uid=held.uid, reason="Too late")
            self.done[f"dispute refused ({code}, escrow {held.status})"] += 1
            return True
        if not disputable:
            return False
        held = self.rng.choice(disputable)
        escrow = escrow_dispute(
            user=self._party(held), escrow_uid=held.uid, reason="Not as described"
        )
        assert escrow.status == "DISPUTED" and escrow.ticket_id is not None
        held.status = "DISPUTED"
        self.done["escrow disputed (ticket opened)"] += 1
        return True

    def escrow_resolve(self) -> bool:
        """Staff settle a disputed or locked escrow: all to the seller (less the fee), all
        back to the buyer, or split at a random share."""
        settleable = [
            h for h in self.escrows if h.status == "DISPUTED" or (h.locked and h.holds_money)
        ]
        others = [h for h in self.escrows if h not in settleable]
        if others and (not settleable or self.rng.random() < 0.15):
            held = self.rng.choice(others)
            with self.refused(EscrowError, EscrowErrorCode.NOT_RESOLVABLE):
                self._resolve(held, self.rng.choice(RESOLUTIONS), share=1)
            self.done[f"staff settling an escrow {held.status} (refused)"] += 1
            return True
        if not settleable:
            return False
        held = self.rng.choice(settleable)
        self._settle(held, self.rng.choice(RESOLUTIONS))
        return True

    def _resolve(self, held: Held, action: Escrow.Resolution, *, share: int) -> Escrow:
        return escrow_resolve(
            escrow_id=held.id, action=action, staff_user=self.superuser,
            reason="Support looked at the evidence", seller_amount_minor=share,
        )  # fmt: skip

    def _settle(self, held: Held, action: Escrow.Resolution) -> None:
        share = self.rng.randint(1, held.amount - 1)
        why = "dispute" if held.status == "DISPUTED" else "locked escrow"
        escrow = self._resolve(held, action, share=share)
        if action == Escrow.Resolution.RELEASE:
            self._pay_seller(held, held.amount)
            held.status, order_status = "RELEASED", Status.COMPLETED
        elif action == Escrow.Resolution.REFUND:
            self._pay_buyer(held, held.amount)
            held.status, order_status = "REFUNDED", Status.REFUNDED
        else:
            self._pay_seller(held, share)
            self._pay_buyer(held, held.amount - share)
            held.status, order_status = "SPLIT", Status.COMPLETED
        assert (escrow.status, escrow.resolved_by) == (held.status, self.superuser)
        assert self._order_status(held) == order_status
        if escrow.ticket_id:
            assert escrow.ticket.status == "CLOSED"
        self.done[f"{why} settled by staff: {action}"] += 1

    def escrows_auto_release(self) -> bool:
        """Confirmed escrows past their days are released; a locked one never is, and one
        confirmed a day short only has its buyer reminded."""
        confirmed = self._escrows("CONFIRMED", locked=False)
        if not confirmed:
            return False
        due = self.rng.sample(confirmed, self.rng.randint(1, min(3, len(confirmed))))
        now = timezone.now()
        days = escrow_conf.auto_release_after()
        Escrow.objects.filter(pk__in=[h.id for h in due]).update(
            confirmed_at=now - days - timedelta(minutes=1)
        )
        kept = [h for h in self._escrows("CONFIRMED", locked=True) if self.rng.random() < 0.5]
        kept += [h for h in confirmed if h not in due and self.rng.random() < 0.2]
        Escrow.objects.filter(pk__in=[h.id for h in kept]).update(
            confirmed_at=now - days + timedelta(hours=12)
        )
        assert escrows_auto_release() == len(due)
        reminded = set(
            Escrow.objects.filter(
                pk__in=[h.id for h in kept], reminder_sent_at__isnull=False
            ).values_list("pk", flat=True)
        )
        assert reminded == {h.id for h in kept if not h.locked}
        for held in due:
            self._pay_seller(held, held.amount)
            held.status = "RELEASED"
            assert self._order_status(held) == Status.COMPLETED
        self.done["escrows released automatically"] += len(due)
        self.done["auto-release run"] += 1
        return True

    def escrow_order_cancel(self) -> bool:
        """Cancelling an escrow's order: a PENDING escrow is cancelled, a funded one refunded
        (by the buyer until the seller confirms, by the seller after); a confirmed one the
        buyer may not cancel, nor anyone a disputed one. Locked escrows are left to staff."""
        roll = self.rng.random()
        if roll < 0.25:
            candidates = self._escrows("PENDING")
            if not candidates:
                return False
            held = self.rng.choice(candidates)
            order = order_cancel(order_id=held.order, actor=Actor.BUYER, user=held.buyer)
            assert order.status == Status.CANCELLED
            held.status = "CANCELLED"
            self.done["unpaid order cancelled (escrow cancelled)"] += 1
            return True
        if roll < 0.4:
            refused = [
                (h, actor)
                for h in self._escrows("CONFIRMED", "DISPUTED", locked=False)
                for actor in (Actor.BUYER, Actor.SELLER)
                if h.status == "DISPUTED" or actor == Actor.BUYER
            ]
            if not refused:
                return False
            held, actor = self.rng.choice(refused)
            user = held.buyer if actor == Actor.BUYER else held.seller
            with self.refused(EscrowError, EscrowErrorCode.HELD_IN_ESCROW):
                order_cancel(order_id=held.order, actor=actor, user=user)
            self.done[f"cancel of an order held in escrow {held.status} (refused)"] += 1
            return True
        candidates = [
            (h, actor)
            for h in self._escrows("FUNDED", "CONFIRMED", locked=False)
            for actor in (Actor.BUYER, Actor.SELLER)
            if h.status == "FUNDED" or actor == Actor.SELLER
        ]
        if not candidates:
            return False
        held, actor = self.rng.choice(candidates)
        user = held.buyer if actor == Actor.BUYER else held.seller
        order = order_cancel(order_id=held.order, actor=actor, user=user)
        assert order.status == Status.REFUNDED
        self._pay_buyer(held, held.amount)
        held.status = "REFUNDED"
        self.done[f"order cancelled by the {actor}, escrow {held.status.lower()}"] += 1
        return True

    def escrows_settle_locked(self) -> None:
        """At the end: staff settle the escrows locked by wrong codes that are still open."""
        for held in self.escrows:
            if held.locked and held.holds_money:
                self._settle(held, self.rng.choice(RESOLUTIONS))

    def report(self) -> str:
        ran = [f"{count:6d}  {name}" for name, count in sorted(self.ran.items())]
        outcomes = [f"{count:6d}  {what}" for what, count in sorted(self.done.items())]
        return "\n".join(["operations:", *ran, "outcomes:", *outcomes])


@pytest.mark.slow  # ~15 s on SQLite, ~30 s on PostgreSQL
@pytest.mark.django_db
def test_thousands_of_random_money_operations_leave_the_ledger_exact(settings, monkeypatch):
    settings.PAYMENTS_SANDBOX = True
    settings.BTC_BACKEND = "sandbox"
    settings.BTC_NETWORK = "mainnet"
    settings.BTC_XPUB = ""  # BIP84's published development key
    settings.BTC_CONFIRMATIONS = CONFIRMATIONS
    settings.BTC_WITHDRAWAL_MIN_SAT = WITHDRAWAL_MIN_SAT
    settings.ESCROW_FEE_PERCENT = "1"
    settings.ESCROW_AUTO_RELEASE_DAYS = 14
    # bcrypt's least cost: hundreds of release codes hashed and checked, none worth guarding
    monkeypatch.setattr(escrow_conf, "BCRYPT_ROUNDS", 4)
    seed = int(os.environ.get("LEDGER_RANDOM_SEED", DEFAULT_SEED))
    print(f"LEDGER_RANDOM_SEED={seed}")
    walk = Walk(random.Random(seed), monkeypatch)
    step = 0
    try:
        for step in range(1, OPERATIONS + 1):
            walk.step()
            walk.assert_balances()
            if step % FULL_CHECK_EVERY == 0:
                walk.assert_books()
        # a last scan finds every output the chain has confirmed enough
        walk.current = "final deposits_scan"
        walk.deposits_scan()
        walk.current = "final escrows_settle_locked"
        walk.escrows_settle_locked()
        assert all(
            o.credited
            for o in walk.outputs
            if o.wallet is not None and walk.confirmations(o) >= CONFIRMATIONS
        )
        walk.assert_books()
    except Exception as exc:
        exc.add_note(
            f"LEDGER_RANDOM_SEED={seed} replays this run; it failed at operation {step} "
            f"({walk.current}). Done so far:\n{walk.report()}"
        )
        raise
    print(walk.report())
    assert sum(walk.ran.values()) == OPERATIONS
    assert set(walk.ran) == set(walk.operations()), "every kind of operation ran"
