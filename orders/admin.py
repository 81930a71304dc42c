"""Staff screens. Orders are changed only through services (admin actions), never by editing
status or money fields directly."""

from django.contrib import admin, messages

from core.admin import HTTPS_URL_FIELDS, ReadOnlyInline
from core.errors import DomainError

from .models import Coupon, CouponRedemption, Order, OrderItem, OrderStatusHistory
from .services.status import (
    STAFF_EDITABLE,
    order_cancel,
    order_complete,
    order_confirm,
    order_deliver,
    order_refund_retry,
    order_ship,
    order_staff_edit,
)
from .state import Actor


class OrderItemInline(ReadOnlyInline):
    model = OrderItem
    fields = ["product", "product_name", "quantity", "unit_price_minor", "subtotal_minor"]
    readonly_fields = fields


class OrderStatusHistoryInline(ReadOnlyInline):
    model = OrderStatusHistory
    fields = ["created_at", "status", "actor_role", "actor", "note"]
    readonly_fields = fields


def _run(modeladmin, request, queryset, label: str, call) -> None:
    done = 0
    for order in queryset:
        try:
            call(order)
            done += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{order.number}: {exc.message}", messages.ERROR)
    if done:
        modeladmin.message_user(request, f"{done} order(s) {label}.", messages.SUCCESS)


def _order_action(name: str, description: str, label: str, act):
    """An admin action applying `act(order, staff_user)` to each selected order."""

    def action(modeladmin, request, queryset):
        _run(modeladmin, request, queryset, label, lambda order: act(order, request.user))

    action.__name__ = name
    action.short_description = description
    return action


def _staff_action(name: str, label: str, act):
    return _order_action(name, f"Mark {label}", label, act)


def _by_staff(order: Order, user) -> dict:
    return {"order_id": order.pk, "actor": Actor.STAFF, "user": user, "note": "By staff"}


mark_processing = _staff_action(
    "mark_processing", "processing", lambda o, u: order_confirm(**_by_staff(o, u))
)
mark_shipped = _staff_action(
    "mark_shipped",
    "shipped (uses the tracking fields)",
    lambda o, u: order_ship(
        **_by_staff(o, u), tracking_number=o.tracking_number, tracking_url=o.tracking_url
    ),
)
mark_delivered = _staff_action(
    "mark_delivered", "delivered", lambda o, u: order_deliver(**_by_staff(o, u))
)
mark_completed = _staff_action(
    "mark_completed", "completed", lambda o, u: order_complete(**_by_staff(o, u))
)
cancel_orders = _order_action(
    "cancel_orders",
    "Cancel (returns stock, refunds what was paid)",
    "cancelled",
    lambda o, u: order_cancel(order_id=o.pk, actor=Actor.STAFF, user=u, reason="By staff"),
)
retry_refunds = _order_action(
    "retry_refunds",
    "Send a failed refund again (its provider pays it out once more)",
    "sent their refund again",
    lambda o, u: order_refund_retry(order_id=o.pk, user=u),
)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "storefront", "buyer", "shop", "status", "total_minor", "currency",
                    "is_paid", "refund_status", "created_at"]  # fmt: skip
    list_filter = ["storefront", "status", "is_paid", "refund_status"]
    search_fields = ["number", "uid", "buyer__username", "buyer__email", "payment_reference"]
    list_select_related = ["buyer", "shop"]
    inlines = [OrderItemInline, OrderStatusHistoryInline]
    formfield_overrides = HTTPS_URL_FIELDS
    # tracking is typed here by staff, then "Mark shipped" uses it
    editable = set(STAFF_EDITABLE)
    actions = [mark_processing, mark_shipped, mark_delivered, mark_completed, cancel_orders,
               retry_refunds]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Order._meta.fields if f.name not in self.editable]

    def save_model(self, request, obj, form, change):
        order_staff_edit(order_id=obj.pk, changes=form.cleaned_data)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ["code", "storefront", "kind", "value", "used_count", "max_uses",
                    "valid_from", "valid_until", "is_active"]  # fmt: skip
    list_filter = ["storefront", "kind", "is_active"]
    search_fields = ["code"]
    readonly_fields = ["used_count", "created_at"]


@admin.register(CouponRedemption)
class CouponRedemptionAdmin(admin.ModelAdmin):
    list_display = ["coupon", "user", "order", "created_at"]
    list_select_related = ["coupon", "user", "order"]
    readonly_fields = ["coupon", "user", "order", "created_at"]
