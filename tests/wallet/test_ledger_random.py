"""A seeded random walk of 2,000 money operations through the real services, after which the
books must be exact.

Top-ups (approved, declined, decided with the callback lost and settled by reconcile,
replayed, expired, approved after expiry), wallet-paid Techaven orders and their cancels,
BTC deposits observed out of order, withdrawals sent or rejected, and staff adjustments are
chosen at random over a handful of Techaven (MWK) and CryptoShop (BTC) wallets. The test
keeps its own model of what every account must hold, moved only by the operations that must
succeed; a refused operation must raise and change nothing. After every step the balances
must equal the model; at intervals and at the end the whole ledger is checked (the audit,
each cached balance against its entries, no money-holding account below zero, each output
with two confirmations credited once, every currency summing to zero).

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
from django.db.models import Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.factories import (
    AddressFactory,
    CryptoShopUserFactory,
    StaffUserFactory,
    TechavenUserFactory,
)
from catalog.factories import ProductFactory, ShopFactory
from catalog.models import Product
from orders.errors import OrderError, OrderErrorCode
from orders.models import CartItem, Order
from orders.services.cart import cart_get_or_create
from orders.services.checkout import order_checkout
from orders.services.pricing import totals_for
from orders.services.status import order_cancel
from orders.state import Actor, Status
from tests.payments.conftest import lost_on_the_way, signed_callback
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
        self.holders = [CryptoShopUserFactory() for _ in range(3)]
        self.btc = {holder.pk: btc_wallet_create(user=holder).pk for holder in self.holders}
        self.deposit_address = dict(
            Account.objects.filter(pk__in=self.btc.values()).values_list("pk", "deposit_address")
        )
        # the last holder has no payout address until an operation sets one
        for holder, payout in zip(self.holders[:2], PAYOUT_ADDRESSES, strict=True):
            btc_wallet_set_payout_address(user=holder, address=payout)
        self.has_payout = {h.pk: i < 2 for i, h in enumerate(self.holders)}

        kind = Account.Kind
        self.gateway = system_account(kind.GATEWAY, "MWK").pk
        self.sales = system_account(kind.SALES, "MWK").pk
        self.chain = system_account(kind.CHAIN, "BTC").pk
        self.pending_out = system_account(kind.WITHDRAWALS, "BTC").pk
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
        if connection.vendor == "postgresql":
            # PostgreSQL's own rule, which only a commit would check (this test never
            # commits): made immediate, the deferred trigger checks every entry queued so far
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS wallet_entry_balanced IMMEDIATE")
                cursor.execute("SET CONSTRAINTS wallet_entry_balanced DEFERRED")

    def snapshot(self) -> tuple:
        return (
            self.balances(),
            LedgerTransaction.objects.count(),
            Entry.objects.count(),
            PaymentAttempt.objects.count(),
            Withdrawal.objects.count(),
            Order.objects.count(),
            CartItem.objects.count(),
            Product.objects.aggregate(stock=Sum("stock_quantity"))["stock"],
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

    def report(self) -> str:
        ran = [f"{count:6d}  {name}" for name, count in sorted(self.ran.items())]
        outcomes = [f"{count:6d}  {what}" for what, count in sorted(self.done.items())]
        return "\n".join(["operations:", *ran, "outcomes:", *outcomes])


@pytest.mark.slow  # ~15 s on SQLite, ~25 s on PostgreSQL
@pytest.mark.django_db
def test_thousands_of_random_money_operations_leave_the_ledger_exact(settings, monkeypatch):
    settings.PAYMENTS_SANDBOX = True
    settings.BTC_BACKEND = "sandbox"
    settings.BTC_NETWORK = "mainnet"
    settings.BTC_XPUB = ""  # BIP84's published development key
    settings.BTC_CONFIRMATIONS = CONFIRMATIONS
    settings.BTC_WITHDRAWAL_MIN_SAT = WITHDRAWAL_MIN_SAT
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
