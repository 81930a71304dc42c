"""The list endpoints build product cards directly (`product_cards` in
catalog/api/{techaven,cryptoshop}/products.py) for speed; the card serializers stay the
schema. Both must give the same JSON, key order included."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog import selectors
from catalog.api.cryptoshop import products as cryptoshop
from catalog.api.techaven import products as techaven
from catalog.models import Product, ProductImage
from tests.factories.catalog import (
    CategoryFactory,
    CryptoShopProductFactory,
    ProductFactory,
    ProductImageFactory,
)

pytestmark = pytest.mark.django_db


def _json(data) -> str:
    return json.dumps(data, default=repr)


def _fast_and_reference(api, *products, sellers: bool) -> tuple[list, list]:
    qs = Product.objects.filter(pk__in=[p.pk for p in products]).order_by("id")
    page = selectors.product_page(
        qs, page=1, limit=20, sellers=sellers, fields=api.CARD_FIELDS
    ).items
    request = RequestFactory().get("/products")
    with CaptureQueriesContext(connection) as queries:
        fast = api.product_cards(page, request)
    assert not queries.captured_queries  # CARD_FIELDS holds every column the cards read
    reference = api.ProductCardSerializer(page, many=True, context={"request": request}).data
    assert _json(fast) == _json(reference)
    return fast, reference


def test_techaven_cards_equal_the_card_serializer():
    plain = ProductFactory(category=None, specifications={})
    marked_down = ProductFactory(
        price_minor=80_000,
        original_price_minor=99_999,
        rating=Decimal("4.35"),
        specifications={"ram": "8GB", "ports": 2, "5g": True, "notes": None},
        is_featured=True,
        is_hot_sale=True,
        stock_quantity=0,
        created_at=timezone.now() - timedelta(days=400),
    )
    with_images = ProductFactory(category=CategoryFactory(parent=CategoryFactory()))
    ProductImageFactory(product=with_images, position=1)
    ProductImage.objects.create(product=with_images, image="products/first.png", position=0)
    fast, _ = _fast_and_reference(techaven, plain, marked_down, with_images, sellers=False)
    assert fast[2]["thumbnail"] == "http://testserver/media/products/first.png"


def test_cryptoshop_cards_equal_the_card_serializer():
    plain = CryptoShopProductFactory(category=None, price_eur_minor=None, tags=[])
    tagged = CryptoShopProductFactory(
        tags=["vpn", 12, "lifetime"],
        rating=Decimal("3.95"),
        view_count=41,
        delivery_time="Instant",
        stock_quantity=0,
    )
    tagged.shop.rating = Decimal("4.25")
    tagged.shop.save()
    tagged.shop.owner.avatar = "avatars/seller.png"
    tagged.shop.owner.save()
    ProductImageFactory(product=tagged)
    fast, _ = _fast_and_reference(cryptoshop, plain, tagged, sellers=True)
    assert fast[1]["seller"]["user"]["avatar"] == "http://testserver/media/avatars/seller.png"


def test_values_no_column_holds_do_not_spoil_the_next_answers(client):
    # a kept statement must never be one compiled for a value the ORM treats specially
    product = ProductFactory(price_minor=100_000)
    assert client.get("/techaven/api/products/99999999999999999999999").status_code == 404
    assert client.get(f"/techaven/api/products/{product.pk}").status_code == 200

    def listed(max_price: str) -> list[int]:
        response = client.get(f"/techaven/api/products?max_price={max_price}")
        assert response.status_code == 200
        return [p["id"] for p in response.json()["data"]["products"]]

    assert listed("99999999999999999999999") == [product.pk]
    assert listed("10") == []
    assert listed("99999999999999999999999") == [product.pk]
