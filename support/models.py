"""Support tickets and their conversation, help content and app info, for both storefronts."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from core.ids import MESSAGE, UidField
from core.models import optional_user, user_key
from core.storefront import Storefront


class TicketStatus(models.TextChoices):
    OPEN = "OPEN", "Open"
    IN_PROGRESS = "IN_PROGRESS", "In progress"
    RESOLVED = "RESOLVED", "Resolved"
    CLOSED = "CLOSED", "Closed"


class TicketPriority(models.TextChoices):
    LOW = "LOW", "Low"
    MEDIUM = "MEDIUM", "Medium"
    HIGH = "HIGH", "High"
    URGENT = "URGENT", "Urgent"


class Ticket(models.Model):
    """One conversation between a storefront user and support staff."""

    uid = UidField()
    storefront = models.CharField(max_length=16, choices=Storefront.choices, db_index=True)
    # SUP-YYYY-NNNN, gapless per storefront and year (see TicketCounter)
    number = models.CharField(max_length=20)
    user = user_key(on_delete=models.CASCADE, related_name="support_tickets")
    subject = models.CharField(max_length=200)
    content = models.TextField()
    category = models.CharField(max_length=50, default="General")
    priority = models.CharField(
        max_length=8, choices=TicketPriority.choices, default=TicketPriority.MEDIUM
    )
    status = models.CharField(
        max_length=12, choices=TicketStatus.choices, default=TicketStatus.OPEN, db_index=True
    )
    # the other party of an escrow dispute: sees the ticket and writes on it like its owner
    counterparty = optional_user(on_delete=models.PROTECT, related_name="support_tickets_shared")
    # the order the user asked about, as the client sent it (Techaven `ord_…`)
    order_ref = models.CharField(max_length=40, blank=True, default="")
    assigned_to = optional_user(
        on_delete=models.SET_NULL,
        related_name="assigned_support_tickets",
        limit_choices_to={"is_staff": True},
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["storefront", "number"], name="support_ticket_number_unique"
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"


class Message(models.Model):
    """A line in a ticket's conversation; `is_staff` is set by the service, never by the client."""

    uid = UidField()
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = user_key(on_delete=models.CASCADE, related_name="support_messages")
    content = models.TextField()
    is_staff = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return MESSAGE(self.uid)


class Attachment(models.Model):
    """An image sent with a ticket: checked by content, re-encoded, metadata stripped."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    image = models.ImageField(upload_to="support/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


class TicketCounter(models.Model):
    """The last ticket number given out per storefront and year, locked FOR UPDATE to hand out
    the next one: the number commits or rolls back with its ticket, so there are no gaps."""

    storefront = models.CharField(max_length=16, choices=Storefront.choices)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["storefront", "year"], name="support_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.storefront} {self.year}: {self.last}"


class HelpTopic(models.Model):
    storefront = models.CharField(max_length=16, choices=Storefront.choices, db_index=True)
    title = models.CharField(max_length=120)
    # a Material icon name, as the app draws it
    icon = models.CharField(max_length=60, blank=True, default="")
    position = models.PositiveIntegerField(default=0)
    is_published = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.storefront})"


class HelpArticle(models.Model):
    topic = models.ForeignKey(HelpTopic, on_delete=models.CASCADE, related_name="articles")
    # copied from the topic on save so that slugs can be unique per storefront in the database
    storefront = models.CharField(max_length=16, choices=Storefront.choices, editable=False)
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120)
    body = models.TextField()
    position = models.PositiveIntegerField(default=0)
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["storefront", "slug"], name="support_article_slug_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.storefront = self.topic.storefront
        super().save(*args, **kwargs)

    def clean(self):
        # the constraint's storefront is not a form field, so the form would not check it
        if self.topic_id and self.slug:
            taken = HelpArticle.objects.filter(storefront=self.topic.storefront, slug=self.slug)
            if taken.exclude(pk=self.pk).exists():
                raise ValidationError({"slug": "Another article of this storefront has it."})


class Faq(models.Model):
    storefront = models.CharField(max_length=16, choices=Storefront.choices, db_index=True)
    question = models.CharField(max_length=300)
    answer = models.TextField()
    category = models.CharField(max_length=60, blank=True, default="")
    position = models.PositiveIntegerField(default=0)
    is_published = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "FAQ"
        verbose_name_plural = "FAQs"

    def __str__(self) -> str:
        return self.question


class AppInfo(models.Model):
    """One record per storefront: what the mobile app shows and the versions that force updates."""

    storefront = models.CharField(max_length=16, choices=Storefront.choices, unique=True)
    app_name = models.CharField(max_length=60)
    version = models.CharField(max_length=20, help_text="Latest published app version.")
    min_version = models.CharField(
        max_length=20, help_text="Older apps than this must update before they can be used."
    )
    force_update = models.BooleanField(default=False)
    update_url = models.URLField(blank=True, default="")
    terms_url = models.URLField(blank=True, default="")
    privacy_url = models.URLField(blank=True, default="")
    support_email = models.EmailField(blank=True, default="")
    support_phone = models.CharField(max_length=20, blank=True, default="")
    facebook_url = models.URLField(blank=True, default="")
    instagram_url = models.URLField(blank=True, default="")
    twitter_url = models.URLField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "app info"
        verbose_name_plural = "app info"

    def __str__(self) -> str:
        return f"{self.app_name} ({self.storefront})"
