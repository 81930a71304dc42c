"""A read-only view of Duka's catalog_product table: the columns a product card shows."""

from __future__ import annotations

from django.db import models


class Product(models.Model):
    storefront = models.CharField(max_length=20)
    name = models.CharField(max_length=255)
    currency = models.CharField(max_length=3)
    price_minor = models.BigIntegerField()
    stock_quantity = models.IntegerField()
    rating = models.DecimalField(max_digits=3, decimal_places=2)
    review_count = models.IntegerField()
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "catalog_product"

    def __str__(self) -> str:
        return self.name
