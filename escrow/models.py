"""Escrow of CryptoShop orders (BRIEF decision 6): the buyer's BTC held on the ledger's escrow
holding account until the release code frees it to the seller, or staff resolve a dispute.

PENDING (waiting for the buyer's balance) → FUNDED → CONFIRMED (the seller accepted) →
RELEASED; FUNDED/CONFIRMED → DISPUTED → RELEASED | REFUNDED | SPLIT (staff); PENDING →
CANCELLED with its unpaid order; FUNDED/CONFIRMED → REFUNDED when the order is cancelled.
RELEASED, REFUNDED, SPLIT and CANCELLED are final.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.ids import CryptoShopIds, UidField
from core.models import optional_user, user_key


class EscrowStatus(models.TextChoices):
    PENDING = "PENDING"
    FUNDED = "FUNDED"
    CONFIRMED = "CONFIRMED"
    RELEASED = "RELEASED"
    REFUNDED = "REFUNDED"
    DISPUTED = "DISPUTED"
    # added to the document's six: a dispute settled by sharing the amount, and an escrow
    # whose unpaid order expired or was cancelled before it was funded
    SPLIT = "SPLIT"
    CANCELLED = "CANCELLED"


FINAL = frozenset(
    {EscrowStatus.RELEASED, EscrowStatus.REFUNDED, EscrowStatus.SPLIT, EscrowStatus.CANCELLED}
)
HOLDS_MONEY = frozenset({EscrowStatus.FUNDED, EscrowStatus.CONFIRMED, EscrowStatus.DISPUTED})
# what waits for staff, and all they may settle (`escrow_resolve`): a dispute, or an escrow
# locked after five wrong release codes while it still holds the money
NEEDS_STAFF = Q(status=EscrowStatus.DISPUTED) | Q(locked_at__isnull=False, status__in=HOLDS_MONEY)


class Escrow(models.Model):
    class Resolution(models.TextChoices):
        RELEASE = "release", "Released to the seller"
        REFUND = "refund", "Refunded to the buyer"
        SPLIT = "split", "Split"

    uid = UidField()
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="escrow")
    buyer = user_key(on_delete=models.PROTECT, related_name="escrows_bought")
    seller = user_key(on_delete=models.PROTECT, related_name="escrows_sold")
    amount_minor = models.BigIntegerField()  # satoshis: the order's total
    amount_eur_minor = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=EscrowStatus.choices, default=EscrowStatus.PENDING, db_index=True
    )
    # bcrypt; the plain code is never stored
    release_code_hash = models.CharField(max_length=100)
    wrong_code_attempts = models.PositiveSmallIntegerField(default=0)
    # five wrong release codes: only staff can move it now
    locked_at = models.DateTimeField(null=True, blank=True, db_index=True)
    dispute_raised = models.BooleanField(default=False)
    dispute_resolved = models.BooleanField(default=False)
    dispute_reason = models.CharField(max_length=1000, blank=True, default="")
    disputed_by = optional_user(on_delete=models.PROTECT, related_name="+")
    disputed_at = models.DateTimeField(null=True, blank=True)
    ticket = models.OneToOneField(
        "support.Ticket", null=True, blank=True, on_delete=models.PROTECT, related_name="escrow"
    )
    resolution = models.CharField(max_length=8, choices=Resolution.choices, blank=True, default="")
    # what the seller received (after the fee) when released or split
    seller_amount_minor = models.BigIntegerField(null=True, blank=True)
    resolved_by = optional_user(on_delete=models.PROTECT, related_name="+")
    resolution_reason = models.CharField(max_length=1000, blank=True, default="")
    funded_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "escrows"
        # staff settle a disputed or locked escrow in the admin (escrow/admin.py); superusers
        # always may, others only with this permission (not in the "Support" group)
        permissions = [("resolve_escrow", "Can settle a disputed or locked escrow")]
        indexes = [
            models.Index(fields=["buyer", "-created_at"]),
            models.Index(fields=["seller", "-created_at"]),
            models.Index(fields=["status", "confirmed_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="escrow_amount_positive"),
            models.CheckConstraint(
                condition=~Q(buyer=models.F("seller")), name="escrow_buyer_is_not_seller"
            ),
        ]

    def __str__(self) -> str:
        return f"{CryptoShopIds.ESCROW(self.uid)} ({self.status})"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


def needs_staff(escrow: Escrow) -> bool:
    """`NEEDS_STAFF` of one escrow in hand."""
    return escrow.status == EscrowStatus.DISPUTED or (
        escrow.is_locked and escrow.status in HOLDS_MONEY
    )


class Participant(models.Model):
    class Role(models.TextChoices):
        BUYER = "BUYER"
        SELLER = "SELLER"

    uid = UidField()
    escrow = models.ForeignKey(Escrow, on_delete=models.CASCADE, related_name="participants")
    user = user_key(on_delete=models.PROTECT, related_name="escrow_roles")
    role = models.CharField(max_length=6, choices=Role.choices)
    agreed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["escrow", "role"], name="escrow_one_participant_per_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} of {self.escrow}"
