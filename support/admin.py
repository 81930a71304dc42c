"""Support staff work here: the ticket queue, the conversation, replies, assignment and status.

Every change goes through `support.services` (admin actions too), so events are published and
status moves are checked exactly as for the API.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from accounts.models import User
from core.admin import HTTPS_URL_FIELDS, ReadOnlyInline
from core.errors import DomainError
from support import services
from support.events import ticket_public_id
from support.models import AppInfo, Faq, HelpArticle, HelpTopic, Message, Ticket, TicketStatus
from support.rules import status_move_allowed


class AssignedFilter(admin.SimpleListFilter):
    title = "assignment"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", "Assigned to me"), ("none", "Unassigned")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "none":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


class TicketAdminForm(forms.ModelForm):
    reply = forms.CharField(
        label="Reply to the user",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        help_text="Sent as a staff message (isStaff: true) when you save; the user is notified.",
    )

    class Meta:
        model = Ticket
        fields = ["status", "priority", "assigned_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "assigned_to" in self.fields:
            self.fields["assigned_to"].queryset = User.objects.filter(
                is_staff=True, is_active=True
            ).order_by("username")

    def clean(self):
        cleaned = super().clean()
        old = self.instance.status
        new = cleaned.get("status")
        if new and not status_move_allowed(old, new):
            self.add_error("status", f"A ticket cannot move from {old} to {new}.")
        if (cleaned.get("reply") or "").strip() and old == TicketStatus.CLOSED:
            self.add_error("reply", "This ticket is closed; it takes no more replies.")
        return cleaned


class MessageInline(ReadOnlyInline):
    """The whole conversation, oldest first; existing messages are never edited."""

    model = Message
    fields = ["created_at", "author", "is_staff", "content", "images"]
    readonly_fields = fields
    verbose_name = "message"
    verbose_name_plural = "conversation"

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("author").prefetch_related("attachments")
        )

    @admin.display(description="attachments")
    def images(self, message):
        return format_html_join(
            " ",
            '<a href="{}" target="_blank"><img src="{}" style="max-height:60px"></a>',
            ((a.image.url, a.image.url) for a in message.attachments.all()),
        )


def _status_action(status: TicketStatus, description: str, label: str):
    """A TicketAdmin action that moves the selected tickets to `status` (through the service,
    as `_run` does it); `label` heads its success message."""

    @admin.action(description=description, permissions=["change"])
    def action(self, request, queryset):
        self._run(request, queryset, label, status=status)

    return action


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    form = TicketAdminForm
    list_display = [
        "number",
        "subject",
        "storefront",
        "user",
        "status",
        "priority",
        "category",
        "assigned_to",
        "updated_at",
    ]
    list_display_links = ["number", "subject"]
    list_filter = ["storefront", "status", "priority", "category", AssignedFilter]
    search_fields = ["number", "uid", "subject", "content", "user__username", "user__email"]
    list_select_related = ["user", "assigned_to"]
    readonly_fields = [
        "public_id",
        "number",
        "storefront",
        "user",
        "subject",
        "content",
        "category",
        "order_ref",
        "created_at",
        "updated_at",
        "resolved_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("number", "public_id", "storefront"),
                    ("user", "category", "order_ref"),
                    "subject",
                    "content",
                    ("created_at", "updated_at", "resolved_at"),
                ]
            },
        ),
        ("Handle", {"fields": [("status", "priority", "assigned_to"), "reply"]}),
    ]
    inlines = [MessageInline]
    actions = ["assign_to_me", "mark_in_progress", "mark_resolved", "mark_closed"]

    @admin.display(description="public id")
    def public_id(self, ticket):
        return format_html("<code>{}</code>", ticket_public_id(ticket))

    def has_add_permission(self, request):
        return False  # tickets are opened by users through the storefronts

    def has_delete_permission(self, request, obj=None):
        return False  # the conversation is a record; close instead

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The services own their (durable) transactions; the admin's usual atomic() around
        # the whole view would nest them.
        return self._changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            services.ticket_staff_update(
                ticket_id=obj.pk,
                staff=request.user,
                reply=data.get("reply") or "",
                status=data.get("status"),
                priority=data.get("priority"),
                assigned_to=data.get("assigned_to"),
            )
        except DomainError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)

    def save_related(self, request, form, formsets, change):
        # The conversation inline is read-only and the reply went through the service:
        # nothing to write, but the admin's change message reads what the formsets did.
        for formset in formsets:
            formset.save(commit=False)

    def _run(self, request, queryset, label: str, **changes) -> None:
        done, failed = 0, []
        for ticket in queryset:
            try:
                services.ticket_staff_update(ticket_id=ticket.pk, staff=request.user, **changes)
                done += 1
            except DomainError as exc:
                failed.append(f"{ticket.number}: {exc.message}")
        if done:
            self.message_user(request, f"{label}: {done} ticket(s).", messages.SUCCESS)
        for line in failed:
            self.message_user(request, line, messages.WARNING)

    @admin.action(description="Assign to me", permissions=["change"])
    def assign_to_me(self, request, queryset):
        self._run(request, queryset, "Assigned to you", assigned_to=request.user)

    mark_in_progress = _status_action(TicketStatus.IN_PROGRESS, "Mark in progress", "In progress")
    mark_resolved = _status_action(TicketStatus.RESOLVED, "Mark resolved", "Resolved")
    mark_closed = _status_action(TicketStatus.CLOSED, "Close", "Closed")


class HelpArticleInline(admin.StackedInline):
    model = HelpArticle
    extra = 0
    fields = [("title", "slug"), "body", ("position", "is_published")]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(HelpTopic)
class HelpTopicAdmin(admin.ModelAdmin):
    list_display = ["title", "storefront", "icon", "position", "is_published"]
    list_filter = ["storefront", "is_published"]
    list_editable = ["position", "is_published"]
    search_fields = ["title", "articles__title"]
    inlines = [HelpArticleInline]


@admin.register(HelpArticle)
class HelpArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "topic", "storefront", "is_published", "updated_at"]
    list_filter = ["storefront", "topic", "is_published"]
    search_fields = ["title", "slug", "body"]
    prepopulated_fields = {"slug": ["title"]}
    list_select_related = ["topic"]


@admin.register(Faq)
class FaqAdmin(admin.ModelAdmin):
    list_display = ["question", "storefront", "category", "position", "is_published"]
    list_filter = ["storefront", "category", "is_published"]
    list_editable = ["position", "is_published"]
    search_fields = ["question", "answer"]


@admin.register(AppInfo)
class AppInfoAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ["app_name", "storefront", "version", "min_version", "force_update"]
    fieldsets = [
        (None, {"fields": ["storefront", "app_name"]}),
        ("Versions", {"fields": [("version", "min_version", "force_update"), "update_url"]}),
        ("Links", {"fields": ["terms_url", "privacy_url", "support_email", "support_phone"]}),
        ("Social", {"fields": ["facebook_url", "instagram_url", "twitter_url"]}),
    ]
