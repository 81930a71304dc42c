"""CryptoShop contract, "Products Endpoints" (products.py) and "Sellers Endpoints"
(sellers.py).

Ids are `product_<uid>` and `seller_<uid>`; BTC is rendered from satoshis and EUR from
cents as exact decimal numbers (0.0025, 89.99)."""

from __future__ import annotations

from django.urls import path

from .products import ProductsView, ProductView
from .sellers import SellersView, SellerView

urlpatterns = [
    path("products", ProductsView.as_view()),
    path("products/<str:product_id>", ProductView.as_view()),
    path("sellers", SellersView.as_view()),
    path("sellers/<str:seller_id>", SellerView.as_view()),
]
