"""The two storefronts Duka serves (docs/brief.md, The two contracts). Every app's rows
say which one they belong to; this is the one place the values are defined."""

from django.db import models


class Storefront(models.TextChoices):
    TECHAVEN = "techaven", "Techaven"
    CRYPTOSHOP = "cryptoshop", "CryptoShop"
