"""Mounted at `/pay/` by config/urls.py."""

from django.urls import path

from . import sandbox_chain_views, views

urlpatterns = [
    # the sandbox Bitcoin chain (404 unless it is the backend and sandboxes are allowed)
    path("sandbox/btc/", sandbox_chain_views.sandbox_btc_page, name="sandbox-btc"),
    path("sandbox/btc/deposits", sandbox_chain_views.sandbox_btc_deposits),
    path("sandbox/btc/blocks", sandbox_chain_views.sandbox_btc_blocks),
    path("sandbox/<str:reference>", views.sandbox_payment_page, name="sandbox-pay"),
    path("callback/<str:provider>", views.provider_callback, name="payment-callback"),
]
