from django.db import models
from django.utils import timezone


class IdempotencyRecord(models.Model):
    """The first response to a mutating request sent with an `Idempotency-Key`.

    Scoped to the caller (user, or client IP before sign-in) and kept 24 hours,
    so a retried sign-up, order or payment replays instead of happening twice.
    """

    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    # null while the first request is still running
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True, default="")
    body = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key"], name="idempotency_key_unique_per_scope"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
