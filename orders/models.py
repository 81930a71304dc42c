"""Carts, coupons, orders and their history. Money is integer minor units (BRIEF decision 2)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.ids import UidField
from core.models import optional_user, user_key
from core.storefront import Storefront

from .state import Actor, Status


class Cart(models.Model):
    """A Techaven buyer's one cart."""

    uid = UidField()
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cart"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"cart {self.uid}"


class CartItem(models.Model):
    uid = UidField()
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "product"], name="cart_product_once"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cart_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"


class Coupon(models.Model):
    """Managed by staff in the admin; redeemed at checkout under a row lock."""

    class Kind(models.TextChoices):
        PERCENTAGE = "percentage", "Percentage off the subtotal"
        FIXED = "fixed", "Fixed amount off the subtotal"

    storefront = models.CharField(max_length=16, choices=Storefront.choices)
    # stored upper-case; matched case-insensitively
    code = models.CharField(max_length=40)
    description = models.CharField(max_length=200, blank=True, default="")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # whole percent (1–100) for percentage, minor units for fixed
    value = models.PositiveBigIntegerField()
    min_subtotal_minor = models.BigIntegerField(default=0)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    max_uses = models.PositiveIntegerField(null=True, blank=True, help_text="blank = unlimited")
    max_uses_per_user = models.PositiveIntegerField(
        null=True, blank=True, help_text="blank = unlimited"
    )
    used_count = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["storefront", "code"], name="coupon_code_unique"),
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(used_count__lte=models.F("max_uses")),
                name="coupon_never_overused",
            ),
            models.CheckConstraint(
                condition=~Q(kind="percentage") | Q(value__lte=100),
                name="coupon_percentage_at_most_100",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs):
        self.code = self.code.strip().upper()
        super().save(*args, **kwargs)


class CouponRedemption(models.Model):
    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="redemptions")
    user = user_key(on_delete=models.CASCADE, related_name="+")
    order = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, related_name="coupon_redemption"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["coupon", "user"])]

    def __str__(self) -> str:
        return f"{self.coupon_id} used by {self.user_id} for {self.order_id}"


class OrderNumberCounter(models.Model):
    """One row per (storefront, year): on SQLite the order numbers' counter, locked FOR UPDATE
    in the order's transaction (gapless). On PostgreSQL the numbers come from sequences
    (`orders.numbers`) that start after `last`; the rows are then history, no longer written."""

    storefront = models.CharField(max_length=16, choices=Storefront.choices)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["storefront", "year"], name="order_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.storefront} {self.year}: {self.last}"


class Order(models.Model):
    class RefundStatus(models.TextChoices):
        PROCESSING = "processing"
        COMPLETED = "completed"
        FAILED = "failed"

    uid = UidField()
    storefront = models.CharField(max_length=16, choices=Storefront.choices, db_index=True)
    number = models.CharField(max_length=24, unique=True)
    buyer = user_key(on_delete=models.PROTECT, related_name="orders")
    # the seller fulfilling it; null when a Techaven cart mixed several shops (staff fulfil)
    shop = models.ForeignKey(
        "catalog.Shop", null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    currency = models.CharField(max_length=3)
    subtotal_minor = models.BigIntegerField()
    discount_minor = models.BigIntegerField(default=0)
    shipping_minor = models.BigIntegerField(default=0)
    tax_minor = models.BigIntegerField(default=0)
    total_minor = models.BigIntegerField()
    # CryptoShop shows EUR beside BTC (cents)
    total_eur_minor = models.BigIntegerField(null=True, blank=True)
    coupon = models.ForeignKey(
        Coupon, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    coupon_code = models.CharField(max_length=40, blank=True, default="")
    shipping_address = models.JSONField(default=dict, blank=True)  # frozen snapshot
    payment_method = models.ForeignKey(
        "accounts.PaymentMethod",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    payment_method_label = models.CharField(max_length=50, blank=True, default="")
    payment_provider = models.CharField(max_length=32, blank=True, default="")
    payment_reference = models.CharField(max_length=64, blank=True, default="")
    payment_url = models.URLField(max_length=500, blank=True, default="")
    payment_hash = models.CharField(max_length=128, blank=True, default="")
    is_paid = models.BooleanField(default=False)
    paid_at = models.DateTimeField(null=True, blank=True)
    refund_status = models.CharField(
        max_length=16, choices=RefundStatus.choices, blank=True, default=""
    )
    notes = models.CharField(max_length=1000, blank=True, default="")
    cancel_reason = models.CharField(max_length=500, blank=True, default="")
    tracking_number = models.CharField(max_length=100, blank=True, default="")
    tracking_url = models.URLField(max_length=500, blank=True, default="")
    stock_returned = models.BooleanField(default=False)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["buyer", "-created_at"]),
            models.Index(fields=["shop", "-created_at"]),
            models.Index(fields=["status", "expires_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total_minor__gte=0), name="order_total_not_negative")
        ]

    def __str__(self) -> str:
        return self.number


class OrderItem(models.Model):
    """A line frozen at checkout: the name, price and image the buyer agreed to."""

    uid = UidField()
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shop = models.ForeignKey(
        "catalog.Shop", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    product_name = models.CharField(max_length=200)
    product_image = models.CharField(max_length=500, blank=True, default="")
    unit_price_minor = models.BigIntegerField()
    unit_price_eur_minor = models.BigIntegerField(null=True, blank=True)
    quantity = models.PositiveIntegerField()
    subtotal_minor = models.BigIntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_name}"


class OrderStatusHistory(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(max_length=16, choices=Status.choices)
    note = models.CharField(max_length=500, blank=True, default="")
    actor_role = models.CharField(max_length=8, choices=[(a.value, a.value) for a in Actor])
    actor = optional_user(on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "order status history"

    def __str__(self) -> str:
        return f"{self.order_id} → {self.status}"
