import threading

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from accounts.tokens import token_hash
from catalog.models import Shop
from core.storefront import Storefront
from tests.conftest import CRYPTOSHOP
from tests.factories.accounts import TechavenUserFactory
from tests.factories.catalog import (
    CategoryFactory,
    CryptoShopProductFactory,
    CryptoShopSellerFactory,
    ReviewFactory,
)
from tests.helpers.catalog import cs_client

pytestmark = pytest.mark.django_db


def test_seller_list_shape_and_product_count(api):
    seller = CryptoShopSellerFactory(
        name="SecureNet", is_verified=True, revenue_minor=4_560_000, sales_count=8934,
        category=CategoryFactory(name="Services", storefront=Storefront.CRYPTOSHOP),
    )  # fmt: skip
    CryptoShopProductFactory.create_batch(2, shop=seller)
    CryptoShopProductFactory(shop=seller, is_active=False)

    response = api.get(f"{CRYPTOSHOP}/sellers")

    assert response.status_code == 200
    card = response.json()["data"][0]
    assert card["id"] == f"seller_{seller.uid}"
    assert card["storeName"] == "SecureNet" and card["category"] == "Services"
    assert card["totalSales"] == 8934 and card["totalRevenue"] == 0.0456
    assert card["user"]["isVerified"] is True
    assert card["_count"] == {"products": 2}
    assert {"joinedAt", "responseTime", "isOnline", "rating", "reviewCount"} <= set(card)
    assert response.json()["pagination"]["total"] == 1


def test_seller_list_filters_and_sorts(api):
    a = CryptoShopSellerFactory(name="Alpha", is_verified=True, rating=3, sales_count=5)
    b = CryptoShopSellerFactory(name="Beta keys", rating=5, sales_count=1, revenue_minor=10)
    c = CryptoShopSellerFactory(name="Gamma", rating=4, sales_count=9, description="keys too")
    CryptoShopProductFactory.create_batch(3, shop=a)
    CryptoShopProductFactory(shop=c)

    def names(**params):
        return [s["storeName"] for s in api.get(f"{CRYPTOSHOP}/sellers", params).json()["data"]]

    assert names() == ["Beta keys", "Gamma", "Alpha"]
    assert names(sortBy="sales") == ["Gamma", "Alpha", "Beta keys"]
    assert names(sortBy="products") == ["Alpha", "Gamma", "Beta keys"]
    assert names(sortBy="revenue", sortOrder="desc")[0] == "Beta keys"
    assert names(sortBy="joined", sortOrder="asc") == ["Alpha", "Beta keys", "Gamma"]
    assert names(verifiedOnly="true") == ["Alpha"]
    assert names(search="keys") == ["Beta keys", "Gamma"]
    assert b.pk


@pytest.mark.parametrize("params", [{"sortBy": "age"}, {"verifiedOnly": "maybe"}, {"limit": "-1"}])
def test_bad_seller_list_input_is_400(api, params):
    response = api.get(f"{CRYPTOSHOP}/sellers", params)
    assert response.status_code == 400 and response.json()["code"] == "VALIDATION_ERROR"


def test_seller_detail_with_products_and_reviews(api):
    seller = CryptoShopSellerFactory()
    product = CryptoShopProductFactory(shop=seller, sales_count=7)
    ReviewFactory(product=product, comment="Excellent seller!")
    response = api.get(f"{CRYPTOSHOP}/sellers/seller_{seller.uid}")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["products"] == [
        {
            "id": f"product_{product.uid}",
            "name": product.name,
            "priceBtc": 0.0025,
            "rating": 0.0,
            "reviewCount": 0,
            "salesCount": 7,
        }
    ]
    assert data["reviews"][0]["content"] == "Excellent seller!"
    assert api.get(f"{CRYPTOSHOP}/sellers/seller_nope").status_code == 404


def test_create_seller_profile_once(api):
    client, user = cs_client()
    body = {"storeName": "SecureNet", "description": "Premium", "category": "Services",
            "responseTime": "2 hours"}  # fmt: skip
    response = client.post(f"{CRYPTOSHOP}/sellers", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["userId"] == f"user_{user.uid}" and data["storeName"] == "SecureNet"
    assert data["rating"] == 0 and data["totalRevenue"] == 0 and data["isOnline"] is False
    assert data["user"] == {"username": user.username, "avatar": None, "isVerified": False}
    again = client.post(f"{CRYPTOSHOP}/sellers", body, format="json")
    assert again.status_code == 409 and again.json()["code"] == "SELLER_PROFILE_EXISTS"
    assert Shop.objects.filter(owner=user).count() == 1
    assert api.post(f"{CRYPTOSHOP}/sellers", body, format="json").status_code == 401


def test_seller_profile_needs_a_store_name(api):
    client, _ = cs_client()
    response = client.post(f"{CRYPTOSHOP}/sellers", {"description": "x"}, format="json")
    assert response.status_code == 400 and "storeName" in response.json()["details"]


def test_update_own_seller_profile_only(cs_seller):
    client, _, shop = cs_seller
    response = client.put(
        f"{CRYPTOSHOP}/sellers/seller_{shop.uid}",
        {"description": "Updated description", "responseTime": "1 hour"},
        format="json",
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {"id", "description", "responseTime", "updatedAt"}
    assert data["description"] == "Updated description"
    other = CryptoShopSellerFactory(description="theirs")
    refused = client.put(
        f"{CRYPTOSHOP}/sellers/seller_{other.uid}", {"description": "mine"}, format="json"
    )
    assert refused.status_code == 403
    other.refresh_from_db()
    assert other.description == "theirs"


def test_techaven_shops_are_not_sellers(api):
    from tests.factories.catalog import ShopFactory

    shop = ShopFactory(owner=TechavenUserFactory())
    assert api.get(f"{CRYPTOSHOP}/sellers/seller_{shop.uid}").status_code == 404
    assert api.get(f"{CRYPTOSHOP}/sellers").json()["data"] == []


def test_seller_list_query_count_holds(api, django_assert_max_num_queries):
    for n in (1, 50):
        Shop.objects.filter(storefront=Storefront.CRYPTOSHOP).delete()
        for _ in range(n):
            CryptoShopSellerFactory(category=None)
        with django_assert_max_num_queries(4):
            response = api.get(f"{CRYPTOSHOP}/sellers", {"limit": 100})
        assert len(response.json()["data"]) == n


# --- decisions the document leaves open (docs/decisions.md, Catalog) ---------------------


def test_seller_category_filter_and_closed_sellers(api):
    services = CategoryFactory(name="Services", storefront=Storefront.CRYPTOSHOP)
    CryptoShopSellerFactory(name="SecureNet", category=services)
    CryptoShopSellerFactory(name="Keys", category=None)
    closed = CryptoShopSellerFactory(name="Closed", category=services, is_active=False)

    def names(**params):
        body = api.get(f"{CRYPTOSHOP}/sellers", {"sortBy": "joined", **params}).json()
        return sorted(s["storeName"] for s in body["data"])

    assert names(category="services") == ["SecureNet"]
    assert names(category="All") == names() == ["Keys", "SecureNet"]
    assert names(verifiedOnly="0") == names(verifiedOnly="no") == ["Keys", "SecureNet"]
    assert names(search="SECURE") == ["SecureNet"]
    assert api.get(f"{CRYPTOSHOP}/sellers/seller_{closed.uid}").status_code == 404


def test_seller_update_refuses_a_blank_name_and_ignores_counters(cs_seller):
    client, _, shop = cs_seller
    url = f"{CRYPTOSHOP}/sellers/seller_{shop.uid}"
    blank = client.put(url, {"storeName": "  "}, format="json")
    assert blank.status_code == 400 and "storeName" in blank.json()["details"]
    response = client.put(
        url,
        {"isOnline": True, "totalSales": 10**6, "rating": 5, "user": {"isVerified": True}},
        format="json",
    )
    assert response.status_code == 200
    assert set(response.json()["data"]) == {"id", "isOnline", "updatedAt"}
    shop.refresh_from_db()
    assert shop.is_online is True
    assert (shop.sales_count, shop.rating, shop.is_verified) == (0, 0, False)
    missing = client.put(f"{CRYPTOSHOP}/sellers/seller_nope", {"isOnline": False}, format="json")
    assert missing.status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not settings.USES_POSTGRES,
    reason="two transactions racing for the unique seller profile need PostgreSQL",
)
def test_two_concurrent_profile_creations_make_one_seller():
    _, user = cs_client()
    token = "cs_test_race_catalog-test-token"
    user.access_token_hash = token_hash(token)
    user.save(update_fields=["access_token_hash"])
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def create(name):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            barrier.wait()
            response = client.post(f"{CRYPTOSHOP}/sellers", {"storeName": name}, format="json")
            codes.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(n,)) for n in ("One", "Two")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [201, 409]
    assert Shop.objects.filter(owner=user).count() == 1


def test_seller_page_shows_best_sellers_and_the_ten_newest_visible_reviews(api):
    from datetime import timedelta

    from django.utils import timezone

    seller = CryptoShopSellerFactory()
    slow = CryptoShopProductFactory(shop=seller, sales_count=1)
    fast = CryptoShopProductFactory(shop=seller, sales_count=9)
    CryptoShopProductFactory(shop=seller, sales_count=99, is_active=False)
    now = timezone.now()
    for n in range(11):
        ReviewFactory(product=slow, comment=f"r{n}", created_at=now - timedelta(hours=n))
    data = api.get(f"{CRYPTOSHOP}/sellers/seller_{seller.uid}").json()["data"]
    assert [p["id"] for p in data["products"]] == [f"product_{fast.uid}", f"product_{slow.uid}"]
    assert [r["content"] for r in data["reviews"]] == [f"r{n}" for n in range(10)]
    detail = api.get(f"{CRYPTOSHOP}/products/product_{slow.uid}").json()["data"]
    assert [r["content"] for r in detail["reviews"]] == [f"r{n}" for n in range(10)]
