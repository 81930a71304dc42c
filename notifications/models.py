from django.db import models
from django.utils import timezone

from core.ids import UidField
from core.models import optional_user, user_key


class OutboxEvent(models.Model):
    """A state change someone could be told about, written in the same transaction (BRIEF 9).

    The relay fans it out after commit (notification, real-time push, webhooks, mobile push)
    and marks it delivered; a broker outage only delays that.
    """

    storefront = models.CharField(max_length=16)
    # e.g. "order.created", "order.updated", "support.message_created"
    name = models.CharField(max_length=64)
    user = optional_user(on_delete=models.CASCADE, related_name="outbox_events")
    data = models.JSONField(default=dict)
    # in-app notification to create for `user`: {"type", "title", "body", "data"}; optional
    notification = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    # after a failed fan-out the relay waits until then (exponential backoff)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # set when the relay gave up after OUTBOX_MAX_ATTEMPTS; staff can retry it in the admin
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["user", "id"],
                condition=models.Q(delivered_at__isnull=True),
                name="outbox_pending_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"


class EventDelivery(models.Model):
    """One fan-out step done for one event: the relay never repeats a recorded step.

    `subscriber` is "notification", "realtime", "webhooks" or "push:<device id>".
    """

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.CharField(max_length=64)
    delivered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subscriber"], name="event_delivery_once_per_subscriber"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscriber} of event {self.event_id}"


class Notification(models.Model):
    """An in-app notification (Techaven section 11; CryptoShop's `notification` event)."""

    uid = UidField()
    user = user_key(on_delete=models.CASCADE, related_name="notifications")
    # the event it came from: at most one notification per event, however often the relay runs
    event = models.OneToOneField(
        OutboxEvent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notification_row",
    )
    type = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"]),
            models.Index(
                fields=["user"], condition=models.Q(read_at__isnull=True), name="notif_unread"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} for {self.user_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class PushDevice(models.Model):
    """A device token for mobile/web push; a token belongs to the last user who registered it."""

    class Platform(models.TextChoices):
        ANDROID = "android"
        IOS = "ios"
        WEB = "web"

    user = user_key(on_delete=models.CASCADE, related_name="push_devices")
    token = models.CharField(max_length=4096, unique=True)
    platform = models.CharField(max_length=10, choices=Platform.choices)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.platform} device of {self.user_id}"


class WebhookEndpoint(models.Model):
    """A CryptoShop user's webhook: `events` it wants, signed with its `secret`."""

    uid = UidField()
    user = user_key(on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=2048)
    events = models.JSONField(default=list)
    # kept as given: it is the HMAC key, so it cannot be stored as a one-way hash
    secret = models.CharField(max_length=255)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """The delivery log: one row per (endpoint, event), retried with exponential backoff."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"  # gave up after the last retry; "Redeliver" in the admin

    uid = UidField()
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    # SET_NULL: the log outlives the pruned outbox row; `body` is what was (or will be) sent
    event = models.ForeignKey(
        OutboxEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhooks"
    )
    event_name = models.CharField(max_length=64)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"], name="webhook_delivery_once_per_endpoint"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_name} to {self.endpoint_id} ({self.status})"
