"""The public catalog pages served from the cache (catalog/pagecache.py): a second read costs
no query, every write a page shows reaches it at once, and nothing else is kept."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection, transaction
from django.test.client import RequestFactory
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from catalog import pagecache
from catalog.models import Product
from catalog.viewcounts import views_flush
from tests.conftest import CRYPTOSHOP, TECHAVEN
from tests.factories.accounts import StaffUserFactory, TechavenUserFactory
from tests.factories.catalog import (
    CategoryFactory,
    CryptoShopProductFactory,
    ProductFactory,
    ProductImageFactory,
    ShopFactory,
)
from tests.helpers.catalog import admin_product_form, cs_client, needs_postgres, th_client
from tests.helpers.orders import add_to_cart, checkout

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    phones = CategoryFactory(name="Phones")
    shop = ShopFactory(name="TechStore MW", location="Lilongwe")
    phone = ProductFactory(
        name="Galaxy S23",
        category=phones,
        shop=shop,
        price_minor=900_000,
        original_price_minor=1_000_000,
        is_featured=True,
        is_hot_sale=True,
        specifications={"brand": "Samsung"},
    )
    ProductImageFactory(product=phone, url="https://cdn.example/s23.jpg")
    cs = CryptoShopProductFactory(name="VPN Subscription")
    return {"phone": phone, "shop": shop, "category": phones, "cs": cs}


def cached_paths(c) -> list[str]:
    phone, shop, category = c["phone"], c["shop"], c["category"]
    return [
        f"{TECHAVEN}/products?sort=price&order=asc",
        f"{TECHAVEN}/products/featured",
        f"{TECHAVEN}/products/hot-sales",
        f"{TECHAVEN}/products/special-offers",
        f"{TECHAVEN}/products/new-arrivals",
        f"{TECHAVEN}/products/{phone.pk}",
        f"{TECHAVEN}/categories",
        f"{TECHAVEN}/categories/{category.pk}/products",
        f"{TECHAVEN}/shops?location=Lilongwe",
        f"{TECHAVEN}/shops/vnd_{shop.uid}",
        f"{TECHAVEN}/shops/vnd_{shop.uid}/products",
        f"{TECHAVEN}/search?q=galaxy",
        f"{TECHAVEN}/search/suggestions?q=gal",
        f"{CRYPTOSHOP}/products?search=vpn&sortBy=price",
    ]


_TABLE = re.compile(r'(?:FROM|JOIN)\s+"(\w+)"', re.IGNORECASE)


@pytest.mark.parametrize("index", range(14))
def test_a_second_read_is_served_from_the_cache_and_reads_only_watched_tables(
    api, catalog, index, django_assert_max_num_queries
):
    path = cached_paths(catalog)[index]
    with CaptureQueriesContext(connection) as built:
        first = api.get(path)
    assert first.status_code == 200 and first[pagecache.HIT_HEADER] == "miss"
    read = {t for q in built.captured_queries for t in _TABLE.findall(q["sql"])}
    # every table the page read is watched, so any write to it drops the page
    assert read and read <= set(pagecache.WATCHED), read - set(pagecache.WATCHED)

    counted = "/products/" in path and path.split("/")[-1].isdigit()
    with django_assert_max_num_queries(1 if counted else 0):
        second = api.get(path)
    assert second.status_code == 200 and second[pagecache.HIT_HEADER] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"] == "application/json"


def test_a_product_view_is_counted_when_the_page_comes_from_the_cache(api, catalog):
    phone = catalog["phone"]
    path = f"{TECHAVEN}/products/{phone.pk}"
    assert [api.get(path)[pagecache.HIT_HEADER] for _ in range(3)] == ["miss", "hit", "hit"]
    views_flush()
    phone.refresh_from_db()
    assert phone.view_count == 3  # and counting did not drop the page


def test_the_query_string_order_does_not_matter_but_the_host_does():
    rf = RequestFactory()
    a = pagecache.page_key(rf.get("/techaven/api/products?sort=price&order=asc"))
    b = pagecache.page_key(rf.get("/techaven/api/products?order=asc&sort=price"))
    c = pagecache.page_key(
        rf.get("/techaven/api/products?order=asc&sort=price", HTTP_HOST="localhost")
    )
    d = pagecache.page_key(rf.get("/techaven/api/products?order=desc&sort=price"))
    assert a == b and len({a, c, d}) == 3


def test_errors_are_not_kept(api, catalog):
    for path in (f"{TECHAVEN}/products/999999", f"{TECHAVEN}/products?sort=colour"):
        answers = [api.get(path) for _ in range(2)]
        assert [r.status_code for r in answers] in ([404, 404], [400, 400])
        assert pagecache.HIT_HEADER not in answers[1]


def test_signed_in_callers_share_the_public_page(api, catalog):
    path = f"{TECHAVEN}/products"
    assert api.get(path)[pagecache.HIT_HEADER] == "miss"
    signed_in = th_client(TechavenUserFactory()).get(path)
    assert signed_in[pagecache.HIT_HEADER] == "hit"


def test_off_means_built_every_time(api, catalog, settings):
    settings.CATALOG_PAGE_CACHE = False
    response = api.get(f"{TECHAVEN}/products")
    assert response.status_code == 200 and pagecache.HIT_HEADER not in response


def test_pages_are_built_when_the_cache_does_not_answer(api, catalog):
    dead = {
        "default": {"BACKEND": "core.cache.SharedRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    with override_settings(CACHES=dead, RATELIMIT_ENABLED=False):
        for _ in range(2):
            response = api.get(f"{TECHAVEN}/products")
            assert response.status_code == 200
            assert response.json()["data"]["products"][0]["name"] == "Galaxy S23"
        # and writes still work
        Product.objects.filter(pk=catalog["phone"].pk).update(stock_quantity=3)


# --- every way a page's rows change drops it --------------------------------------------


def _card(api, path: str) -> dict:
    response = api.get(path)
    assert response.status_code == 200
    data = response.json()["data"]
    return data["products"][0] if "products" in data else data


def _warm(api, path: str) -> None:
    api.get(path)
    assert api.get(path)[pagecache.HIT_HEADER] == "hit"


def test_an_update_query_drops_the_pages(api, catalog):
    path = f"{TECHAVEN}/products"
    _warm(api, path)
    Product.objects.filter(pk=catalog["phone"].pk).update(stock_quantity=0)
    assert _card(api, path)["is_in_stock"] is False


def test_a_new_product_drops_the_pages(api, catalog):
    path = f"{TECHAVEN}/products"
    _warm(api, path)
    ProductFactory(name="Pixel 8")
    assert _card(api, path)["name"] == "Pixel 8"


def test_a_seller_price_change_in_the_back_office_drops_the_pages(api, catalog):
    shop = catalog["shop"]
    shop.owner = TechavenUserFactory()
    shop.save()
    path = f"{TECHAVEN}/products/{catalog['phone'].pk}"
    _warm(api, path)
    seller = APIClient()
    seller.force_login(shop.owner)
    changed = seller.patch(
        f"/seller/api/products/{catalog['phone'].pk}/", {"price_minor": 850_000}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert _card(api, path)["price"] == 850_000


def test_an_admin_change_drops_the_pages(api, catalog):
    staff = APIClient()
    staff.force_login(StaffUserFactory(is_superuser=True))
    phone = catalog["phone"]
    path = f"{TECHAVEN}/search?q=galaxy"
    _warm(api, path)
    saved = staff.post(
        f"/admin/catalog/product/{phone.pk}/change/",
        admin_product_form(phone, name="Galaxy S23 Ultra", price_minor=950_000),
        format="multipart",
    )
    assert saved.status_code == 302
    assert _card(api, path)["name"] == "Galaxy S23 Ultra"


def test_a_checkout_taking_stock_drops_the_pages(api, catalog):
    from tests.factories.accounts import AddressFactory, PaymentMethodFactory

    buyer = TechavenUserFactory()
    client = th_client(buyer)
    phone = catalog["phone"]
    path = f"{TECHAVEN}/products/{phone.pk}"
    before = _card(api, path)["stock_quantity"]
    _warm(api, path)
    add_to_cart(client, phone, 2)
    placed = checkout(client, AddressFactory(user=buyer), PaymentMethodFactory(user=buyer))
    assert placed.status_code == 201
    assert _card(api, path)["stock_quantity"] == before - 2


def test_a_review_drops_the_pages_that_show_the_rating(api, catalog):
    path = f"{TECHAVEN}/products/hot-sales"
    _warm(api, path)
    reviewer = th_client(TechavenUserFactory())
    posted = reviewer.post(
        f"{TECHAVEN}/products/{catalog['phone'].pk}/reviews", {"rating": 4}, format="json"
    )
    assert posted.status_code == 201
    card = _card(api, path)
    assert (card["rating"], card["review_count"]) == (4.0, 1)


def test_a_new_image_drops_the_pages(api, catalog):
    path = f"{TECHAVEN}/products/featured"
    _warm(api, path)
    ProductImageFactory(product=catalog["phone"], url="https://cdn.example/s23-back.jpg")
    assert _card(api, path)["images"][-1] == "https://cdn.example/s23-back.jpg"


def test_a_renamed_shop_or_category_drops_the_pages(api, catalog):
    path = f"{TECHAVEN}/products"
    _warm(api, path)
    catalog["shop"].name = "TechStore Malawi"
    catalog["shop"].save()
    catalog["category"].name = "Smartphones"
    catalog["category"].save(update_fields=["name"])
    card = _card(api, path)
    assert (card["vendor_name"], card["category_name"]) == ("TechStore Malawi", "Smartphones")


def test_a_sellers_new_username_drops_the_pages_and_a_sign_in_does_not(catalog):
    client, _ = cs_client()
    path = f"{CRYPTOSHOP}/products"
    owner = catalog["cs"].shop.owner
    _warm(client, path)
    owner.last_login = timezone.now()
    owner.save(update_fields=["last_login"])
    assert client.get(path)[pagecache.HIT_HEADER] == "hit"
    owner.username = "anon_renamed"
    owner.save()
    seller = client.get(path).json()["data"][0]["seller"]
    assert seller["user"]["username"] == "anon_renamed"


@pytest.mark.parametrize(
    ("sql", "changes"),
    [
        ('UPDATE "catalog_product" SET "view_count" = ("catalog_product"."view_count" + %s) '
         'WHERE "catalog_product"."id" = %s', False),
        ('UPDATE "catalog_product" SET "stock_quantity" = ("catalog_product"."stock_quantity" '
         '- %s), "sales_count" = %s WHERE "catalog_product"."id" = %s', True),
        ('UPDATE "catalog_product" SET "rating" = CASE WHEN ("catalog_product"."id" = %s) '
         "THEN %s ELSE NULL END WHERE \"catalog_product\".\"id\" IN (%s)", True),
        ('INSERT INTO "catalog_productimage" ("product_id", "url") VALUES (%s, %s)', True),
        ('DELETE FROM "catalog_shop" WHERE "catalog_shop"."id" IN (%s)', True),
        ('UPDATE "catalog_product" SET "view_count" = ("catalog_product"."view_count" + CASE '
         'WHEN ("catalog_product"."id" = %s) THEN %s ELSE %s END) WHERE "catalog_product"."id" '
         "IN (%s)", False),
        ('UPDATE "accounts_user" SET "last_login" = %s WHERE "accounts_user"."id" = %s', False),
        ('UPDATE "accounts_user" SET "username" = %s, "avatar" = %s WHERE "id" = %s', True),
        ('INSERT INTO "accounts_user" ("username") VALUES (%s)', False),
        ('TRUNCATE "catalog_product", "orders_order" CASCADE', True),
        ('UPDATE "orders_order" SET "status" = %s WHERE "orders_order"."id" = %s', False),
        ('SELECT "catalog_product"."id" FROM "catalog_product"', False),
    ],
)  # fmt: skip
def test_which_statements_change_pages(sql, changes):
    assert pagecache.changes_pages(sql) is changes


# --- a page built while a write was open is not kept past its commit ---------------------


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_page_built_during_an_open_write_is_dropped_at_its_commit(catalog):
    phone = catalog["phone"]
    path = f"{TECHAVEN}/products/hot-sales"  # (a product page would wait: it counts a view)
    written, built = threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():
                Product.objects.filter(pk=phone.pk).update(price_minor=777_000)
                written.set()
                assert built.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert written.wait(10)
    reader = APIClient()
    during = reader.get(path)  # the old row: the write is not committed yet
    built.set()
    thread.join(10)
    assert during.json()["data"]["products"][0]["price"] == 900_000
    after = reader.get(path)
    assert after[pagecache.HIT_HEADER] == "miss"
    assert after.json()["data"]["products"][0]["price"] == 777_000


def test_rate_limits_count_cached_answers_too(api, catalog, settings):
    settings.RATELIMIT_ENABLED = True
    answers = [api.get(f"{TECHAVEN}/search?q=galaxy") for _ in range(3)]
    assert [r[pagecache.HIT_HEADER] for r in answers] == ["miss", "hit", "hit"]
    assert [int(r["X-RateLimit-Remaining"]) for r in answers] == [29, 28, 27]
