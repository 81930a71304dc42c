"""Staff screens for the catalog. Writes that carry rules (moderation, counters, the
search document) go through catalog.services."""

from django import forms
from django.contrib import admin, messages

from catalog import pagecache
from catalog.models import Category, Product, ProductImage, Review, ReviewImage, Shop
from catalog.services.products import (
    check_price,
    check_specifications,
    check_tags,
    product_saved_by_staff,
    product_staff_change,
)
from catalog.services.reviews import review_set_hidden
from catalog.services.shops import check_business_hours
from core.admin import HTTPS_URL_FIELDS, AfterWriteAdminMixin
from core.errors import DomainError


def _checked(form: forms.ModelForm, field: str, check) -> object:
    """Run a catalog rule on a JSON field the admin edits directly."""
    value = form.cleaned_data.get(field)
    try:
        check(value)
    except DomainError as exc:
        raise forms.ValidationError(exc.message) from None
    return value


class ShopAdminForm(forms.ModelForm):
    def clean_business_hours(self):
        return _checked(self, "business_hours", check_business_hours)


class ProductAdminForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the page carries the stock it showed, which orders may have changed by the save
        self.fields["stock_quantity"].show_hidden_initial = True

    def stock_shown(self) -> int:
        """The stock the form showed (its hidden initial), else the stock it was built on."""
        field = self.fields["stock_quantity"]
        try:
            shown = field.to_python(self.data.get(self.add_initial_prefix("stock_quantity")))
        except forms.ValidationError:
            shown = None
        return self.initial["stock_quantity"] if shown is None else shown

    def clean_price_minor(self):
        return _checked(self, "price_minor", check_price)

    def clean_specifications(self):
        return _checked(self, "specifications", check_specifications)

    def clean_tags(self):
        return _checked(self, "tags", check_tags)


class PageCacheAdminMixin(AfterWriteAdminMixin):
    """What staff save or delete here is on the public catalog pages: drop them once the
    admin's transaction commits (catalog/pagecache.py)."""

    def after_write(self) -> None:
        pagecache.catalog_changed()


@admin.register(Category)
class CategoryAdmin(PageCacheAdminMixin, admin.ModelAdmin):
    list_display = ["name", "storefront", "parent", "is_featured", "sort_order"]
    list_filter = ["storefront", "is_featured"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["parent"]


@admin.register(Shop)
class ShopAdmin(PageCacheAdminMixin, admin.ModelAdmin):
    """Staff create Techaven shops here and hand them to a seller account (`owner`)."""

    form = ShopAdminForm
    formfield_overrides = HTTPS_URL_FIELDS

    list_display = ["name", "storefront", "owner", "location", "is_verified", "is_active",
                    "rating", "review_count", "product_count"]  # fmt: skip
    list_filter = ["storefront", "is_verified", "is_active", "location"]
    search_fields = ["name", "slug", "uid", "owner__username", "owner__email"]
    raw_id_fields = ["owner", "category"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["uid", "rating", "review_count", "product_count", "sales_count",
                       "revenue_minor", "updated_at"]  # fmt: skip
    list_select_related = ["owner"]


class ProductImageInline(admin.TabularInline):
    formfield_overrides = HTTPS_URL_FIELDS
    model = ProductImage
    extra = 1
    fields = ["image", "url", "position"]


@admin.register(Product)
class ProductAdmin(PageCacheAdminMixin, admin.ModelAdmin):
    form = ProductAdminForm
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ["name", "storefront", "shop", "category", "currency", "price_minor",
                    "stock_quantity", "is_active", "is_featured", "is_hot_sale",
                    "deleted_at"]  # fmt: skip
    list_filter = ["storefront", "is_active", "is_featured", "is_hot_sale", "category"]
    search_fields = ["name", "slug", "uid", "brand", "shop__name"]
    raw_id_fields = ["shop", "category"]
    readonly_fields = ["uid", "rating", "review_count", "view_count", "sales_count",
                       "created_at", "updated_at"]  # fmt: skip
    list_select_related = ["shop", "category"]
    inlines = [ProductImageInline]

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            product_saved_by_staff(product=obj)
            return
        product_staff_change(product=obj, changed=form.changed_data, stock_shown=form.stock_shown())


class ReviewImageInline(admin.TabularInline):
    model = ReviewImage
    extra = 0


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Moderation: hiding a review takes it out of the product's and shop's rating."""

    list_display = ["product", "user", "rating", "title", "is_verified_purchase", "is_hidden",
                    "created_at"]  # fmt: skip
    list_filter = ["is_hidden", "rating", "is_verified_purchase", "product__storefront"]
    search_fields = ["title", "comment", "uid", "user__username", "product__name"]
    raw_id_fields = ["product", "user"]
    readonly_fields = ["uid", "product", "user", "rating", "is_verified_purchase", "is_hidden",
                       "created_at"]  # fmt: skip
    list_select_related = ["product", "user"]
    inlines = [ReviewImageInline]
    actions = ["hide_reviews", "unhide_reviews"]

    def has_add_permission(self, request):
        return False  # reviews come from buyers

    @admin.action(description="Hide selected reviews (their rating stops counting)")
    def hide_reviews(self, request, queryset):
        for review in queryset:
            review_set_hidden(review=review, hidden=True, reason="moderation")
        messages.success(request, f"{queryset.count()} review(s) hidden.")

    @admin.action(description="Show selected reviews again")
    def unhide_reviews(self, request, queryset):
        for review in queryset:
            review_set_hidden(review=review, hidden=False)
        messages.success(request, f"{queryset.count()} review(s) shown.")
