"""Staff screens for accounts. Secrets (password, access token, TOTP keys, backup codes) are
never shown, not even as hashes; suspension goes through the moderation services."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.hooks import public_profile_changed
from accounts.models import Address, LoginSession, PaymentMethod, User
from accounts.services.moderation import user_suspend, user_unsuspend
from core.admin import AfterWriteAdminMixin, ReadOnlyAdminMixin, YesNoFilter
from core.storefront import Storefront

# django-otp's own screens show TOTP keys and backup codes; staff never need to see them.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class StorefrontFilter(admin.SimpleListFilter):
    title = "storefront"
    parameter_name = "storefront"
    STAFF = "staff"

    def lookups(self, request, model_admin):
        return [*Storefront.choices, (self.STAFF, "Staff (no storefront)")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.STAFF:
            return queryset.filter(storefront__isnull=True)
        if value in Storefront.values:
            return queryset.filter(storefront=value)
        return queryset


class SuspendedFilter(YesNoFilter):
    title = "suspended"
    parameter_name = "suspended"
    condition = Q(suspended_at__isnull=False)


class StaffCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username",)


# what the services record of an account's state: shown in "Status", changed by no form
STATUS_RECORDS = (
    "email_verified_at",
    "two_factor_enabled",
    "remember_next_session",
    "suspended_at",
    "suspension_reason",
    "deleted_at",
    "deletion_reason",
)


@admin.register(User)
class UserAdmin(AfterWriteAdminMixin, DjangoUserAdmin):
    add_form = StaffCreationForm
    list_display = (
        "username",
        "storefront_column",
        "email",
        "full_name",
        "is_staff",
        "is_active",
        "suspended",
        "two_factor_enabled",
        "created_at",
    )
    list_filter = (
        StorefrontFilter,
        "is_staff",
        "is_active",
        SuspendedFilter,
        ("two_factor_enabled", admin.BooleanFieldListFilter),
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("username", "email", "full_name", "uid")
    ordering = ("-created_at",)
    actions = ["suspend_selected", "unsuspend_selected"]
    readonly_fields = (
        "uid",
        "storefront",
        "password_status",
        *STATUS_RECORDS,
        "last_login",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("uid", "storefront", "username", "password_status")}),
        (
            "Profile",
            {"fields": ("full_name", "email", "phone", "date_of_birth", "gender", "avatar")},
        ),
        (
            "Status",
            {"fields": ("is_active", *STATUS_RECORDS)},
        ),
        (
            "Staff permissions",
            {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "created_at", "updated_at")}),
    )

    def after_write(self) -> None:
        public_profile_changed()  # a seller's username and avatar are on their cards

    @admin.display(description="storefront", ordering="storefront")
    def storefront_column(self, obj: User) -> str:
        return obj.get_storefront_display() if obj.storefront else "Staff"

    @admin.display(description="suspended", boolean=True, ordering="suspended_at")
    def suspended(self, obj: User) -> bool:
        return obj.is_suspended

    @admin.display(description="password")
    def password_status(self, obj: User) -> str:
        if not obj.pk:
            return "-"
        state = "set" if obj.has_usable_password() else "not set"
        if obj.storefront == Storefront.CRYPTOSHOP:
            # the access token is the credential; only its hash is kept and it is never shown
            return "access token (hidden)"
        url = reverse("admin:auth_user_password_change", args=[obj.pk])
        return format_html('{} — <a href="{}">change password</a>', state, url)

    @admin.action(description="Suspend selected users", permissions=["change"])
    def suspend_selected(self, request, queryset):
        done = 0
        for user in queryset.filter(suspended_at__isnull=True).exclude(pk=request.user.pk):
            user_suspend(user=user, reason=f"Suspended by {request.user.username}", by=request.user)
            done += 1
        self.message_user(request, f"{done} user(s) suspended.", messages.SUCCESS)

    @admin.action(description="Unsuspend selected users", permissions=["change"])
    def unsuspend_selected(self, request, queryset):
        done = 0
        for user in queryset.filter(suspended_at__isnull=False):
            user_unsuspend(user=user, by=request.user)
            done += 1
        self.message_user(request, f"{done} user(s) unsuspended.", messages.SUCCESS)


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ("uid", "user", "label", "city", "country", "is_default", "created_at")
    list_filter = ("is_default", "country")
    search_fields = ("uid", "user__username", "user__email", "full_name", "city")
    raw_id_fields = ("user",)
    list_select_related = ("user",)
    readonly_fields = ("uid", "created_at", "updated_at")


@admin.register(PaymentMethod)
class PaymentMethodAdmin(admin.ModelAdmin):
    list_display = ("uid", "user", "type", "provider", "is_default", "created_at")
    list_filter = ("type", "provider", "is_default")
    search_fields = ("uid", "user__username", "user__email", "phone_number")
    raw_id_fields = ("user",)
    list_select_related = ("user",)
    readonly_fields = ("uid", "created_at")


@admin.register(LoginSession)
class LoginSessionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: sessions are opened and revoked by the account services."""

    list_display = ("uid", "user", "storefront", "created_at", "expires_at", "revoked_at")
    list_filter = ("storefront", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("uid", "user__username", "user__email")
    list_select_related = ("user",)
    fields = ("uid", "user", "storefront", "created_at", "expires_at", "revoked_at")
    readonly_fields = fields
