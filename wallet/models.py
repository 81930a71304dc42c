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

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference} ({self.status})"
