"""Techaven contract, sections 3 (Products), 4 (Categories), 7 (Wishlist), 12 (Shops)
and 13 (Search), one module each (a product's reviews, 3.7-3.8, in reviews.py). Product and
category ids are integers, shops `vnd_<uid>`, reviews `rev_<uid>`, wishlist items
`wish_<uid>`; money in whole kwacha."""

from __future__ import annotations

from django.urls import path

import storefronts.converters  # noqa: F401 (registers <dbid:…>)

from .categories import CategoryListView, CategoryProductsView
from .products import (
    FeaturedView,
    HotSalesView,
    NewArrivalsView,
    ProductDetailView,
    ProductListView,
    SpecialOffersView,
)
from .reviews import ProductReviewsView
from .search import SearchSuggestionsView, SearchView
from .shops import ShopDetailView, ShopListView, ShopProductsView
from .wishlist import WishlistItemView, WishlistView

urlpatterns = [
    path("products", ProductListView.as_view()),
    path("products/featured", FeaturedView.as_view()),
    path("products/hot-sales", HotSalesView.as_view()),
    path("products/special-offers", SpecialOffersView.as_view()),
    path("products/new-arrivals", NewArrivalsView.as_view()),
    path("products/<dbid:product_id>", ProductDetailView.as_view()),
    path("products/<dbid:product_id>/reviews", ProductReviewsView.as_view()),
    path("categories", CategoryListView.as_view()),
    path("categories/<dbid:category_id>/products", CategoryProductsView.as_view()),
    path("wishlist", WishlistView.as_view()),
    path("wishlist/<dbid:product_id>", WishlistItemView.as_view()),
    path("shops", ShopListView.as_view()),
    path("shops/<str:shop_id>", ShopDetailView.as_view()),
    path("shops/<str:shop_id>/products", ShopProductsView.as_view()),
    path("search", SearchView.as_view()),
    path("search/suggestions", SearchSuggestionsView.as_view()),
]
