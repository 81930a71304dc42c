"""The money core: a double-entry ledger (BRIEF decision 7) and payments through provider
adapters (BRIEF decision 8).

Amounts are integer minor units of their currency (kwacha, satoshis). An account's balance
is the sum of its entries; the `balance_minor` column caches it and is written only under the
account's row lock, in the transaction that appends the entries (see `wallet/services/ledger.py`).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.ids import UidField
from core.models import optional_user


class Account(models.Model):
    """A user's wallet in one currency, or one of the platform's system accounts.

    The outside world's accounts (payment gateway clearing, the BTC chain, staff
    adjustments) mirror money that entered or left: they go negative as money comes in.
    Every other account holds money and never goes below zero (a CHECK backs the rule the
    ledger service enforces under the row lock).
    """

    class Kind(models.TextChoices):
        WALLET = "wallet", "User wallet"
        GATEWAY = "gateway", "Payment gateway clearing"
        CHAIN = "chain", "BTC chain (deposits in, withdrawals out)"
        ESCROW = "escrow", "Escrow holding"
        FEES = "fees", "Platform fees"
        WITHDRAWALS = "withdrawals", "Withdrawals pending"
        SALES = "sales", "Order receipts"
        ADJUSTMENTS = "adjustments", "Staff adjustments"

    # the outside world's side of the books: may go below zero
    OUTSIDE = (Kind.GATEWAY, Kind.CHAIN, Kind.ADJUSTMENTS)

    uid = UidField()
    kind = models.CharField(max_length=16, choices=Kind.choices, db_index=True)
    user = optional_user(on_delete=models.PROTECT, related_name="wallet_accounts")
    currency = models.CharField(max_length=3)
    balance_minor = models.BigIntegerField(default=0)
    # BTC wallets: the deposit address derived from the operator's xpub (BIP84, index
    # `address_index`, never reused) and the user's own payout address once set
    deposit_address = models.CharField(max_length=100, null=True, blank=True, unique=True)
    address_index = models.PositiveIntegerField(null=True, blank=True, unique=True)
    payout_address = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # staff adjustments (wallet/services/adjustments.py): superusers, and staff given this
        permissions = [("adjust_balance", "Can adjust a balance (staff adjustment)")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "currency"],
                condition=Q(user__isnull=False),
                name="wallet_one_per_user_and_currency",
            ),
            models.UniqueConstraint(
                fields=["kind", "currency"],
                condition=Q(user__isnull=True),
                name="wallet_one_system_account_per_kind_and_currency",
            ),
            models.CheckConstraint(
                condition=Q(kind="wallet", user__isnull=False)
                | (~Q(kind="wallet") & Q(user__isnull=True)),
                name="wallet_user_accounts_are_wallets",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["gateway", "chain", "adjustments"]) | Q(balance_minor__gte=0),
                name="wallet_balance_never_negative",
            ),
        ]

    def __str__(self) -> str:
        if self.user_id:
            return f"wallet {self.currency} of {self.user}"
        return f"{self.get_kind_display()} ({self.currency})"

    @property
    def may_go_negative(self) -> bool:
        return self.kind in self.OUTSIDE


class LedgerTransaction(models.Model):
    """One movement of money: two or more entries that sum to zero per currency.

    Never updated or deleted (PostgreSQL refuses it with a trigger); a mistake is corrected
    by a new, reversing transaction. `key` makes every movement idempotent: the callback,
    task or request that runs twice finds its transaction and moves nothing.
    """

    class Kind(models.TextChoices):
        TOPUP = "topup", "Top-up"
        ORDER_PAYMENT = "order_payment", "Order payment"
        ORDER_REFUND = "order_refund", "Order refund"
        DEPOSIT = "deposit", "Deposit"
        WITHDRAWAL = "withdrawal", "Withdrawal requested"
        WITHDRAWAL_SENT = "withdrawal_sent", "Withdrawal sent"
        WITHDRAWAL_RETURNED = "withdrawal_returned", "Withdrawal rejected"
        ESCROW_FUND = "escrow_fund", "Escrow funded"
        ESCROW_RELEASE = "escrow_release", "Escrow released"
        ESCROW_REFUND = "escrow_refund", "Escrow refunded"
        FEE = "fee", "Platform fee"
        ADJUSTMENT = "adjustment", "Staff adjustment"

    uid = UidField()
    key = models.CharField(max_length=160, unique=True)
    kind = models.CharField(max_length=24, choices=Kind.choices, db_index=True)
    description = models.CharField(max_length=255, blank=True, default="")
    # what the movement is about, as the storefront shows it: ord_…, a txid, a provider ref
    reference = models.CharField(max_length=128, blank=True, default="", db_index=True)
    # staff adjustments: who, and why
    created_by = optional_user(on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"


class Entry(models.Model):
    """One leg of a ledger transaction: money into (+) or out of (-) one account."""

    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    # the account's balance right after this entry
    balance_after = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "entries"
        indexes = [models.Index(fields=["account", "-id"])]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_minor=0), name="wallet_entry_not_zero")
        ]

    def __str__(self) -> str:
        return f"{self.amount_minor:+d} {self.currency} on {self.account_id}"


class Deposit(models.Model):
    """A BTC output paying a wallet's deposit address, as the chain backend saw it.

    Credited exactly once per (txid, vout), when it has `BTC_CONFIRMATIONS` confirmations,
    whatever order the observations arrive in."""

    class Status(models.TextChoices):
        PENDING = "pending"  # seen, not yet confirmed enough
        CREDITED = "credited"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="deposits")
    txid = models.CharField(max_length=64)
    vout = models.PositiveIntegerField()
    address = models.CharField(max_length=100)
    amount_minor = models.BigIntegerField()
    block_height = models.PositiveIntegerField(null=True, blank=True)
    confirmations = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    transaction = models.OneToOneField(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="deposit"
    )
    first_seen_at = models.DateTimeField(default=timezone.now)
    credited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-first_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["txid", "vout"], name="wallet_deposit_once_per_output"),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="wallet_deposit_positive"),
        ]

    def __str__(self) -> str:
        return f"deposit {self.txid}:{self.vout} ({self.status})"


class Withdrawal(models.Model):
    """A user's request to send BTC to their payout address. The amount waits in
    "withdrawals pending" until staff send it (entering the broadcast txid) or reject it
    (the amount returns to the wallet)."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        REJECTED = "rejected"

    uid = UidField()
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="withdrawals")
    amount_minor = models.BigIntegerField()
    address = models.CharField(max_length=100)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    txid = models.CharField(max_length=64, blank=True, default="")
    reason = models.CharField(max_length=500, blank=True, default="")
    decided_by = optional_user(on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("decide_withdrawal", "Can send or reject a withdrawal")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_minor__gt=0), name="wallet_withdrawal_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"withdrawal {self.uid} ({self.status})"


class LedgerAudit(models.Model):
    """The outcome of one `ledger_audit` run (beat runs it daily); staff see the runs that
    found a discrepancy in the admin."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    ok = models.BooleanField()
    accounts_checked = models.PositiveIntegerField(default=0)
    transactions_checked = models.PositiveIntegerField(default=0)
    report = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"ledger audit {self.created_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'FAILED'}"


class PaymentAttempt(models.Model):
    """One payment or refund asked of a provider, keyed by its reference.

    The provider's callback settles it exactly once: a replayed callback finds it no longer
    pending and changes nothing.
    """

    class Kind(models.TextChoices):
        PAYMENT = "payment"
        REFUND = "refund"
        TOPUP = "topup"  # money into a Techaven wallet; credited when the provider confirms

    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    class SettledBy(models.TextChoices):
        CALLBACK = "callback"
        RECONCILE = "reconcile"
        EXPIRY = "expiry"  # a top-up nobody completed in time: never credited

    # the `txn_…` id a top-up is shown with (and its ledger transaction's uid once credited)
    uid = UidField()
    reference = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PAYMENT)
    provider = models.CharField(max_length=32)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    # the wallet a top-up credits
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="topups"
    )
    payment_url = models.URLField(max_length=500, blank=True, default="")
    # the payment a refund gives back
    refund_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    payer_phone = models.CharField(max_length=20, blank=True, default="")
    callback_payload = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)
    # what settled it: the provider's callback, or reconcile asking the provider's status API
    settled_by = models.CharField(max_length=10, choices=SettledBy.choices, blank=True, default="")
    # when reconcile last asked the provider about it (the least recently asked go first)
    status_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference} ({self.status})"


class SandboxPayment(models.Model):
    """The sandbox provider's own record of a payment or refund: its database, not ours.

    A real provider keeps this on its side and answers its status-query API from it. The
    sandbox opens a row when a payment is initiated, records the buyer's click on its page
    (approved / declined) before it sends the callback, and records a refund when it pays it
    out. A lost callback leaves the decision here for reconcile to find.
    """

    class Decision(models.TextChoices):
        APPROVED = "approved"
        DECLINED = "declined"

    reference = models.CharField(max_length=64, unique=True)
    # the provider key the sandbox serves it as: its callback goes to /pay/callback/<provider>
    provider = models.CharField(max_length=32)
    kind = models.CharField(max_length=8, choices=PaymentAttempt.Kind.choices)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    decision = models.CharField(max_length=8, choices=Decision.choices, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"sandbox {self.kind} {self.reference} ({self.decision or 'undecided'})"


# --- The sandbox Bitcoin chain (wallet/sandbox_chain.py) ---------------------------------
# A simulated chain inside Duka, the default `BTC_BACKEND`: its own records, not our ledger.


class SandboxChainTx(models.Model):
    """One output on the sandbox chain: an unconfirmed deposit until a block is mined."""

    txid = models.CharField(max_length=64)
    vout = models.PositiveIntegerField(default=0)
    address = models.CharField(max_length=100, db_index=True)
    amount_sat = models.BigIntegerField()
    # the block it was mined in; null while in the mempool
    block_height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["txid", "vout"], name="sandbox_chain_output_unique"),
            models.CheckConstraint(
                condition=models.Q(amount_sat__gt=0), name="sandbox_chain_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.txid}:{self.vout} → {self.address} ({self.amount_sat} sat)"


class SandboxChainTip(models.Model):
    """The sandbox chain's height: one row (pk 1), locked while blocks are mined."""

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON)
    height = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="sandbox_chain_tip_one_row"),
        ]

    def __str__(self) -> str:
        return f"sandbox chain tip {self.height}"
