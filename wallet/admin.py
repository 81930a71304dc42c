from django.contrib import admin

from .models import PaymentAttempt, SandboxPayment


class _ReadOnly(admin.ModelAdmin):
    """Payment records are written by providers' callbacks and reconcile, never by hand."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(_ReadOnly):
    list_display = ["reference", "kind", "provider", "order", "amount_minor", "currency", "status",
                    "created_at", "settled_at", "settled_by"]  # fmt: skip
    list_filter = ["kind", "provider", "status", "settled_by"]
    search_fields = ["reference", "order__number"]
    list_select_related = ["order"]


@admin.register(SandboxPayment)
class SandboxPaymentAdmin(_ReadOnly):
    """The sandbox provider's own records (what its status API answers from)."""

    list_display = ["reference", "kind", "provider", "amount_minor", "currency", "decision",
                    "created_at", "decided_at"]  # fmt: skip
    list_filter = ["kind", "provider", "decision"]
    search_fields = ["reference"]
