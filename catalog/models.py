"""Catalog shared by both storefronts: a shop belongs to one storefront and prices its
products in that storefront's currency, exactly (BRIEF decision 2)."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.ids import UidField
from core.models import optional_user, user_key
from core.storefront import Storefront


class Category(models.Model):
    storefront = models.CharField(max_length=16, choices=Storefront.choices, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="subcategories"
    )
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=120)
    description = models.CharField(max_length=500, blank=True, default="")
    icon = models.CharField(max_length=50, blank=True, default="")
    image = models.ImageField(upload_to="categories/", blank=True, default="")
    is_featured = models.BooleanField(default=False)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name", "id"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["storefront", "slug"], name="category_slug_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Shop(models.Model):
    """A Techaven vendor or a CryptoShop seller profile."""

    uid = UidField()
    storefront = models.CharField(max_length=16, choices=Storefront.choices, db_index=True)
    owner = optional_user(on_delete=models.SET_NULL, related_name="shops")
    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=170)
    description = models.TextField(blank=True, default="")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="shops"
    )
    logo = models.ImageField(upload_to="vendors/", blank=True, default="")
    cover_image = models.ImageField(upload_to="vendors/", blank=True, default="")
    location = models.CharField(max_length=100, blank=True, default="")
    address = models.CharField(max_length=255, blank=True, default="")
    phone = models.CharField(max_length=20, blank=True, default="")
    email = models.EmailField(blank=True, default="")
    website = models.URLField(blank=True, default="")
    business_hours = models.JSONField(default=dict, blank=True)
    response_time = models.CharField(max_length=50, blank=True, default="")
    is_verified = models.BooleanField(default=False)
    is_open = models.BooleanField(default=True)
    is_online = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    # kept in step with the rows they count by catalog and order services
    rating = models.DecimalField(max_digits=3, decimal_places=2, default=0)
    review_count = models.PositiveIntegerField(default=0)
    product_count = models.PositiveIntegerField(default=0)
    sales_count = models.PositiveIntegerField(default=0)
    revenue_minor = models.BigIntegerField(default=0)
    joined_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["storefront", "slug"], name="shop_slug_unique"),
            models.UniqueConstraint(
                fields=["owner"],
                condition=Q(storefront=Storefront.CRYPTOSHOP),
                name="one_cryptoshop_seller_profile_per_user",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    storefront = models.CharField(max_length=16, choices=Storefront.choices, db_index=True)
    uid = UidField()
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="products")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220)
    description = models.TextField(blank=True, default="")
    currency = models.CharField(max_length=3)
    # minor units of `currency`: whole kwacha (MWK) or satoshis (BTC)
    price_minor = models.BigIntegerField()
    original_price_minor = models.BigIntegerField(null=True, blank=True)
    # CryptoShop shows a EUR price beside BTC; cents
    price_eur_minor = models.BigIntegerField(null=True, blank=True)
    stock_quantity = models.IntegerField(default=0)
    specifications = models.JSONField(default=dict, blank=True)
    tags = models.JSONField(default=list, blank=True)
    brand = models.CharField(max_length=100, blank=True, default="")
    delivery_time = models.CharField(max_length=50, blank=True, default="")
    is_digital = models.BooleanField(default=False)
    download_url = models.URLField(blank=True, default="")
    is_featured = models.BooleanField(default=False)
    # a time-limited sale the shop or staff put on; see catalog.selectors (hot sales)
    is_hot_sale = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    rating = models.DecimalField(max_digits=3, decimal_places=2, default=0)
    review_count = models.PositiveIntegerField(default=0)
    # PostgreSQL full-text document (weighted A name, B tags/brand, C specifications,
    # D description); written by catalog.search.reindex_products, unused on SQLite
    search_vector = SearchVectorField(null=True, blank=True, editable=False)
    view_count = models.PositiveIntegerField(default=0)
    sales_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(stock_quantity__gte=0), name="stock_never_negative"),
            models.CheckConstraint(condition=Q(price_minor__gte=0), name="price_not_negative"),
        ]
        indexes = [
            models.Index(fields=["storefront", "is_active", "-created_at"]),
            models.Index(fields=["storefront", "price_minor"]),
            models.Index(fields=["shop", "is_active"]),
            models.Index(fields=["category", "is_active"]),
            # one partial index per list sort, so a deep page walks an index, never sorts
            *[
                models.Index(
                    fields=["storefront", field, "id"],
                    condition=Q(is_active=True, deleted_at__isnull=True),
                    name=f"product_listed_{field[:14]}",
                )
                for field in ("price_minor", "created_at", "rating", "name", "sales_count")
            ],
            models.Index(
                fields=["category", "price_minor", "id"],
                condition=Q(is_active=True, deleted_at__isnull=True),
                name="product_listed_cat_price",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_available(self) -> bool:
        return self.is_active and self.deleted_at is None and self.stock_quantity > 0


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="products/", blank=True, default="")
    # CryptoShop sellers give image URLs rather than uploads
    url = models.URLField(max_length=500, blank=True, default="")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"image {self.position} of {self.product_id}"


class Review(models.Model):
    """A buyer's review of a product; hidden reviews (moderation) count nowhere."""

    uid = UidField()
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    user = user_key(on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=150, blank=True, default="")
    comment = models.TextField(blank=True, default="")
    is_verified_purchase = models.BooleanField(default=False)
    helpful_count = models.PositiveIntegerField(default=0)
    is_hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "user"], name="one_review_per_user"),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"
            ),
        ]
        indexes = [models.Index(fields=["product", "is_hidden", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.rating}★ on {self.product_id} by {self.user_id}"


class ReviewImage(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="reviews/")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"image {self.position} of review {self.review_id}"


class WishlistItem(models.Model):
    uid = UidField()
    user = user_key(on_delete=models.CASCADE, related_name="wishlist_items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "product"], name="wishlist_once_per_product")
        ]

    def __str__(self) -> str:
        return f"{self.product_id} in {self.user_id}'s wishlist"


class SearchTerm(models.Model):
    """The words products are described with: typo correction picks the nearest one
    by trigram similarity (a small table, so it stays fast at any catalog size)."""

    storefront = models.CharField(max_length=16, choices=Storefront.choices)
    word = models.CharField(max_length=60)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["storefront", "word"], name="search_term_unique")
        ]

    def __str__(self) -> str:
        return self.word
