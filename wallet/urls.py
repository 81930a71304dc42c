"""Mounted at `/pay/` by config/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("sandbox/<str:reference>", views.sandbox_payment_page, name="sandbox-pay"),
    path("callback/<str:provider>", views.provider_callback, name="payment-callback"),
]
