from django.contrib import admin

from .models import PaymentAttempt


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(admin.ModelAdmin):
    list_display = ["reference", "kind", "provider", "order", "amount_minor", "currency", "status",
                    "created_at", "settled_at"]  # fmt: skip
    list_filter = ["kind", "provider", "status"]
    search_fields = ["reference", "order__number"]
    list_select_related = ["order"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in PaymentAttempt._meta.fields]

    def has_add_permission(self, request):
        return False
