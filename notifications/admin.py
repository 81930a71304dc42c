from django.contrib import admin, messages

from core.admin import HTTPS_URL_FIELDS
from notifications import services
from notifications.models import (
    Notification,
    OutboxEvent,
    PushDevice,
    WebhookDelivery,
    WebhookEndpoint,
)


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "name",
        "storefront",
        "user",
        "created_at",
        "delivered_at",
        "attempts",
        "failed_at",
        "next_attempt_at",
    )
    list_filter = ("name", "storefront")
    search_fields = ("name", "last_error")
    raw_id_fields = ("user",)
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]
    actions = ["retry"]

    @admin.action(description="Retry now")
    def retry(self, request, queryset):
        count = services.event_retry(event_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} event(s) put back in the queue.", messages.SUCCESS)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ("uid", "user", "url", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("uid", "url")
    raw_id_fields = ("user",)
    exclude = ("secret",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "uid",
        "endpoint",
        "event_name",
        "status",
        "response_code",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "short_error",
    )
    list_filter = ("status", "event_name")
    search_fields = ("uid", "endpoint__url", "last_error")
    raw_id_fields = ("endpoint", "event")
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["redeliver"]

    @admin.display(description="last error")
    def short_error(self, obj):
        return obj.last_error[:80]

    @admin.action(description="Redeliver")
    def redeliver(self, request, queryset):
        count = services.webhook_delivery_redeliver(
            delivery_ids=list(queryset.values_list("pk", flat=True))
        )
        self.message_user(request, f"{count} delivery(ies) scheduled again.", messages.SUCCESS)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("uid", "user", "type", "title", "read_at", "created_at")
    list_filter = ("type",)
    search_fields = ("uid", "title")
    raw_id_fields = ("user", "event")


@admin.register(PushDevice)
class PushDeviceAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "platform", "created_at", "updated_at")
    list_filter = ("platform",)
    raw_id_fields = ("user",)
