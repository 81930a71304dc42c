"""The floor's two views: a small JSON answer, and 20 rows read with one query."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path

from .models import Product

ROWS = 20


def small_json(request: HttpRequest) -> JsonResponse:
    """What Duka's `/healthz` answers."""
    return JsonResponse({"status": "ok"})


def rows(request: HttpRequest) -> JsonResponse:
    """Page N of the products by primary key: one indexed query, 20 model instances."""
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    products = Product.objects.filter(pk__gt=(page - 1) * ROWS).order_by("pk")[:ROWS]
    return JsonResponse(
        {
            "products": [
                {
                    "id": p.pk,
                    "name": p.name,
                    "price": p.price_minor,
                    "currency": p.currency,
                    "in_stock": p.stock_quantity > 0,
                    "rating": float(p.rating),
                    "review_count": p.review_count,
                    "created_at": p.created_at.isoformat(),
                }
                for p in products
            ]
        }
    )


urlpatterns = [path("json", small_json), path("rows", rows)]
