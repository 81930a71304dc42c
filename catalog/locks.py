"""The only place catalog rows are locked: always in primary-key order, so no deadlocks."""

from collections.abc import Iterable

from django.db.models import QuerySet

from catalog.models import Product, Shop


def products_lock(product_ids: Iterable[int]) -> dict[int, Product]:
    """Lock the given products FOR UPDATE (pk order) inside the caller's transaction."""
    qs: QuerySet[Product] = (
        Product.objects.filter(pk__in=set(product_ids))
        .order_by("pk")
        .select_for_update(of=("self",))
    )
    return {p.pk: p for p in qs}


def shops_lock(shop_ids: Iterable[int]) -> dict[int, Shop]:
    """Lock shops FOR UPDATE (pk order). Callers lock products before shops."""
    qs: QuerySet[Shop] = (
        Shop.objects.filter(pk__in=set(shop_ids)).order_by("pk").select_for_update(of=("self",))
    )
    return {s.pk: s for s in qs}
