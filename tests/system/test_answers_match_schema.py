"""Answers fit the OpenAPI document the storefront serves (issue 12, finding 15): resend-otp
echoed `{"email": 0}` as the e-mail "0", and the update answers of CryptoShop's sellers and
products (the id, the fields sent and `updatedAt`, as the document shows) lacked the fields
their schema called required."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.demo import DEMO_CRYPTOSHOP_TOKEN
from accounts.models import User
from catalog.models import Category, Product, Shop
from support.models import HelpArticle
from tests.conftest import CRYPTOSHOP, TECHAVEN, techaven_client
from tests.factories.catalog import CryptoShopProductFactory, CryptoShopSellerFactory
from tests.helpers.catalog import cs_client
from tests.helpers.openapi import assert_matches_schema, served_schema

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"email": 0, "type": "signup"}, 400),
        ({"email": "not an address", "type": "login"}, 400),
        ({"email": "john@example.com", "type": "signup"}, 200),
    ],
)
def test_resend_otp_answers_only_what_its_schema_allows(api, body, status):
    url = f"{TECHAVEN}/auth/resend-otp"
    response = api.post(url, body, format="json")
    assert response.status_code == status
    assert_matches_schema("techaven", "post", url, response)
    if status == 400:
        assert response.json()["errors"] == {"email": ["Enter a valid email address."]}


@pytest.fixture
def seller():
    client, user = cs_client()
    return client, CryptoShopSellerFactory(owner=user)


@pytest.mark.parametrize(
    "change",
    [
        {"description": "Updated description", "responseTime": "1 hour"},
        {"isOnline": False},
        {"storeName": "Crypto Corner", "category": "Software"},
    ],
)
def test_the_seller_update_answer_fits_its_schema(seller, change):
    client, shop = seller
    url = f"{CRYPTOSHOP}/sellers/seller_{shop.uid}"
    response = client.put(url, change, format="json")
    assert response.status_code == 200
    assert set(response.json()["data"]) == {"id", "updatedAt", *change}
    assert_matches_schema("cryptoshop", "put", url, response)


@pytest.mark.parametrize(
    "change",
    [
        {"name": "Updated Product Name", "priceBtc": 0.003, "inStock": False},
        {"specifications": [{"key": "CPU", "value": "M2"}], "tags": ["a"]},
        {"priceEur": None},
    ],
)
def test_the_product_update_answer_fits_its_schema(seller, change):
    client, shop = seller
    product = CryptoShopProductFactory(shop=shop)
    url = f"{CRYPTOSHOP}/products/product_{product.uid}"
    response = client.put(url, change, format="json")
    assert response.status_code == 200
    assert set(response.json()["data"]) == {"id", "updatedAt", *change}
    assert_matches_schema("cryptoshop", "put", url, response)


def test_full_answers_still_fit_their_schema(seller, api):
    """The checker itself: a create answer, a detail and an error fit theirs."""
    client, shop = seller
    product = CryptoShopProductFactory(shop=shop)
    created = client.post(f"{CRYPTOSHOP}/sellers", {"storeName": "Second"}, format="json")
    assert created.status_code == 409
    assert_matches_schema("cryptoshop", "post", f"{CRYPTOSHOP}/sellers", created)
    detail = api.get(f"{CRYPTOSHOP}/products/product_{product.uid}")
    assert_matches_schema("cryptoshop", "get", f"{CRYPTOSHOP}/products/x", detail)
    seller_page = api.get(f"{CRYPTOSHOP}/sellers/seller_{shop.uid}")
    assert_matches_schema("cryptoshop", "get", f"{CRYPTOSHOP}/sellers/x", seller_page)


def test_every_read_on_the_demo_data_fits_its_schema(settings):
    """Each GET of both served schemas whose ids the demo data gives, signed in."""
    settings.RATELIMIT_ENABLED = False
    call_command("seed_demo", "--force", stdout=io.StringIO())
    th = techaven_client(User.objects.get(username="th_demo"))
    cs = APIClient()
    cs.credentials(HTTP_AUTHORIZATION=f"Bearer {DEMO_CRYPTOSHOP_TOKEN}")
    ids = {
        "techaven": {
            "product_id": str(Product.objects.filter(storefront="techaven").first().pk),
            "category_id": str(Category.objects.filter(storefront="techaven").first().pk),
            "shop_id": f"vnd_{Shop.objects.filter(storefront='techaven').first().uid}",
            "slug": HelpArticle.objects.filter(storefront="techaven").first().slug,
        },
        "cryptoshop": {
            "product_id": f"product_{Product.objects.filter(storefront='cryptoshop').first().uid}",
            "seller_id": f"seller_{Shop.objects.filter(storefront='cryptoshop').first().uid}",
        },
    }
    checked = 0
    for storefront, client in (("techaven", th), ("cryptoshop", cs)):
        doc = served_schema(storefront)
        for template, operations in doc["paths"].items():
            names = re.findall(r"\{([^}]+)\}", template)
            if "get" not in operations or not set(names) <= set(ids[storefront]):
                continue
            known = ids[storefront]
            path = re.sub(r"\{([^}]+)\}", lambda m, known=known: known[m.group(1)], template)
            url = doc["servers"][0]["url"] + path + ("?q=phone" if "/search" in path else "")
            assert_matches_schema(storefront, "get", url, client.get(url))
            checked += 1
    assert checked >= 30
