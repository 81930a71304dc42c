"""Payments through provider adapters (BRIEF decision 8). The ledger comes with the wallet issue."""

from django.db import models
from django.utils import timezone


class PaymentAttempt(models.Model):
    """One payment or refund asked of a provider, keyed by its reference.

    The provider's callback settles it exactly once: a replayed callback finds it no longer
    pending and changes nothing.
    """

    class Kind(models.TextChoices):
        PAYMENT = "payment"
        REFUND = "refund"

    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    class SettledBy(models.TextChoices):
        CALLBACK = "callback"
        RECONCILE = "reconcile"

    reference = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PAYMENT)
    provider = models.CharField(max_length=32)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
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
