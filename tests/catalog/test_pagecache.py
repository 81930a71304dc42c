"""The public catalog pages served from the cache (catalog/pagecache.py): a second read costs
no query, every write a page shows reaches it once committed (a stock change only the pages
that show the product), nothing else is kept, and the guard fails a write path that forgets
to ask (tests/helpers/pagecache.py)."""

from __future__ import annotations

import re
import threading

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.client import RequestFactory
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services.profile import profile_avatar_set
from catalog import pagecache
from catalog.models import Product
from catalog.services import products as products_module
from catalog.services.products import product_create, product_update
from catalog.services.shops import shop_update
from catalog.viewcounts import views_flush
from core.storefront import Storefront
from orders.locks import order_lock
from orders.models import Order
from orders.services import checkout as checkout_module
from orders.services.checkout import Line, _take_stock
from orders.services.status import order_cancel, order_paid_now
from orders.state import Actor
from tests.conftest import CRYPTOSHOP, TECHAVEN
from tests.factories.accounts import (
    AddressFactory,
    PaymentMethodFactory,
    StaffUserFactory,
    TechavenUserFactory,
)
from tests.factories.catalog import (
    CategoryFactory,
    CryptoShopProductFactory,
    ProductFactory,
    ProductImageFactory,
    ShopFactory,
)
from tests.helpers.catalog import (
    admin_product_form,
    cs_client,
    needs_postgres,
    png_bytes,
    th_client,
)
from tests.helpers.orders import add_to_cart, checkout
from tests.helpers.pagecache import WATCHED
from tests.helpers.pagecache import classify as guard_classify

pytestmark = pytest.mark.django_db

TECHAVEN_SF = Storefront.TECHAVEN


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
    assert read and read <= set(WATCHED), read - set(WATCHED)

    counted = "/products/" in path and path.split("/")[-1].isdigit()
    with django_assert_max_num_queries(1 if counted else 0):
        second = api.get(path)
    assert second.status_code == 200 and second[pagecache.HIT_HEADER] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"] == "application/json"


@pytest.mark.parametrize("index", range(14))
def test_after_a_stock_change_every_cached_page_is_as_if_built_afresh(api, catalog, index):
    """Whatever a page shows of stock comes from the products noted while it was built:
    none is missed, so a stock change never leaves a page showing the old stock."""
    path = cached_paths(catalog)[index]
    _warm(api, path)
    phone, cs = catalog["phone"], catalog["cs"]
    with transaction.atomic():
        _take_stock(storefront=TECHAVEN_SF, lines=[Line(phone.pk, 2)], closed=set(), field="cart")
    with transaction.atomic():
        _take_stock(
            storefront=Storefront.CRYPTOSHOP, lines=[Line(cs.pk, 2)], closed=set(), field="items"
        )
    served = api.get(path)
    pagecache.invalidate()
    afresh = api.get(path)
    assert afresh[pagecache.HIT_HEADER] == "miss"
    assert served.content == afresh.content


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


def _hit(api, path: str) -> bool:
    response = api.get(path)
    assert response.status_code == 200
    return response[pagecache.HIT_HEADER] == "hit"


def _order(product, quantity: int = 1):
    buyer = TechavenUserFactory()
    client = th_client(buyer)
    add_to_cart(client, product, quantity)
    placed = checkout(client, AddressFactory(user=buyer), PaymentMethodFactory(user=buyer))
    assert placed.status_code == 201, placed.content
    return Order.objects.get(buyer=buyer)


def test_a_new_product_drops_the_pages(api, catalog):
    path = f"{TECHAVEN}/products"
    _warm(api, path)
    product_create(shop=catalog["shop"], fields={"name": "Pixel 8", "price_minor": 500_000})
    assert _card(api, path)["name"] == "Pixel 8"


def test_a_product_edit_through_the_service_drops_every_page(api, catalog):
    phone, other = catalog["phone"], ProductFactory(name="Nokia 105", shop=catalog["shop"])
    paths = [f"{TECHAVEN}/products/{other.pk}", f"{TECHAVEN}/search?q=galaxy"]
    for path in paths:
        _warm(api, path)
    product_update(product=phone, changes={"name": "Galaxy S23 FE"})
    assert not _hit(api, paths[0])  # a page without the product goes too (catalog-wide)
    assert _card(api, paths[1])["name"] == "Galaxy S23 FE"


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


def test_a_seller_deleting_an_image_in_the_back_office_drops_the_pages(api, catalog):
    shop, phone = catalog["shop"], catalog["phone"]
    shop.owner = TechavenUserFactory()
    shop.save()
    path = f"{TECHAVEN}/products/featured"
    assert _card(api, path)["images"] == ["https://cdn.example/s23.jpg"]
    _warm(api, path)
    seller = APIClient()
    seller.force_login(shop.owner)
    gone = seller.delete(f"/seller/api/product-images/{phone.images.get().pk}/")
    assert gone.status_code == 204, gone.content
    assert _card(api, path)["images"] == []


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


def test_an_admin_category_rename_and_delete_drop_the_pages(api, catalog):
    staff = APIClient()
    staff.force_login(StaffUserFactory(is_superuser=True))
    category, path = catalog["category"], f"{TECHAVEN}/categories"
    _warm(api, path)
    form = {"storefront": category.storefront, "name": "Smartphones", "slug": category.slug,
            "description": "", "icon": "", "sort_order": 0}  # fmt: skip
    saved = staff.post(f"/admin/catalog/category/{category.pk}/change/", form, format="multipart")
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    assert "Smartphones" in api.get(path).content.decode()
    spare = CategoryFactory(name="Spare")
    _warm(api, path)
    gone = staff.post(
        f"/admin/catalog/category/{spare.pk}/delete/", {"post": "yes"}, format="multipart"
    )
    assert gone.status_code == 302
    assert "Spare" not in api.get(path).content.decode()


def test_a_checkout_taking_stock_drops_the_pages_that_show_the_product(api, catalog):
    phone = catalog["phone"]
    paths = [f"{TECHAVEN}/products/{phone.pk}", f"{TECHAVEN}/products?sort=price&order=asc"]
    before = _card(api, paths[0])["stock_quantity"]
    for path in paths:
        _warm(api, path)
    _order(phone, 2)
    assert _card(api, paths[0])["stock_quantity"] == before - 2
    assert _card(api, paths[1])["stock_quantity"] == before - 2


def test_a_stock_change_keeps_the_pages_that_do_not_show_the_product(api, catalog):
    phone, shop = catalog["phone"], catalog["shop"]
    elsewhere = ProductFactory(name="Kettle", shop=shop, category=CategoryFactory(name="Home"))
    paths = [
        f"{TECHAVEN}/products/{phone.pk}",
        f"{TECHAVEN}/categories/{catalog['category'].pk}/products",
        f"{TECHAVEN}/products/featured",
        f"{TECHAVEN}/categories",
        f"{TECHAVEN}/search/suggestions?q=gal",
        f"{CRYPTOSHOP}/products?search=vpn&sortBy=price",
    ]
    for path in paths:
        _warm(api, path)
    _order(elsewhere)
    assert [_hit(api, path) for path in paths] == [True] * len(paths)
    # and a page that shows it goes
    assert not _hit(api, f"{TECHAVEN}/products?sort=price&order=asc")


def test_a_cancelled_order_gives_its_stock_back_to_the_pages(api, catalog):
    phone = catalog["phone"]
    path = f"{TECHAVEN}/products/hot-sales"
    before = _card(api, path)["stock_quantity"]
    order = _order(phone, 3)
    assert _card(api, path)["stock_quantity"] == before - 3
    _warm(api, path)
    order_cancel(order_id=order.pk, actor=Actor.STAFF, user=StaffUserFactory())
    assert _card(api, path)["stock_quantity"] == before


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


def test_new_images_drop_the_pages(api, catalog):
    path = f"{TECHAVEN}/products/featured"
    _warm(api, path)
    urls = ["https://cdn.example/s23.jpg", "https://cdn.example/s23-back.jpg"]
    product_update(product=catalog["phone"], changes={}, images=urls)
    assert _card(api, path)["images"][-1] == "https://cdn.example/s23-back.jpg"


def test_a_renamed_shop_drops_the_pages(api, catalog):
    path = f"{TECHAVEN}/products"
    _warm(api, path)
    shop_update(shop=catalog["shop"], changes={"name": "TechStore Malawi"})
    assert _card(api, path)["vendor_name"] == "TechStore Malawi"


def test_a_sellers_new_avatar_drops_the_pages_and_a_sign_in_does_not(catalog):
    client, _ = cs_client()
    path = f"{CRYPTOSHOP}/products"
    owner = catalog["cs"].shop.owner
    _warm(client, path)
    owner.last_login = timezone.now()
    owner.save(update_fields=["last_login"])
    assert _hit(client, path)
    profile_avatar_set(user=owner, data=png_bytes())
    seller = client.get(path).json()["data"][0]["seller"]
    assert seller["user"]["avatar"]


def test_a_paid_order_drops_the_best_seller_lists(api, catalog):
    phone = catalog["phone"]
    path = f"{TECHAVEN}/products/hot-sales"
    order = _order(phone)
    _warm(api, path)
    with transaction.atomic():
        order_paid_now(order_lock(order.pk), note="paid")
    assert not _hit(api, path)


@pytest.mark.parametrize(
    ("sql", "params", "change"),
    [
        ('UPDATE "catalog_product" SET "view_count" = ("catalog_product"."view_count" + %s) '
         'WHERE "catalog_product"."id" = %s', (1, 7), None),
        ('UPDATE "catalog_product" SET "stock_quantity" = ("catalog_product"."stock_quantity" '
         '- %s) WHERE "catalog_product"."id" = %s', (2, 7), ("stock", frozenset({7}))),
        ('UPDATE "catalog_product" SET "stock_quantity" = %s WHERE "catalog_product"."id" IN '
         "(%s, %s)", (5, 7, 8), ("stock", frozenset({7, 8}))),
        ('UPDATE "catalog_product" SET "stock_quantity" = %s WHERE "catalog_product"."shop_id" '
         "= %s", (5, 3), ("stock", None)),
        ('UPDATE "catalog_product" SET "stock_quantity" = ("catalog_product"."stock_quantity" '
         '- %s), "sales_count" = %s WHERE "catalog_product"."id" = %s', (1, 2, 7),
         ("catalog", None)),
        ('UPDATE "catalog_product" SET "rating" = CASE WHEN ("catalog_product"."id" = %s) '
         "THEN %s ELSE NULL END WHERE \"catalog_product\".\"id\" IN (%s)", (7, 4, 7),
         ("catalog", None)),
        ('INSERT INTO "catalog_productimage" ("product_id", "url") VALUES (%s, %s)', (7, "u"),
         ("catalog", None)),
        ('DELETE FROM "catalog_shop" WHERE "catalog_shop"."id" IN (%s)', (3,), ("catalog", None)),
        ('UPDATE "catalog_product" SET "view_count" = ("catalog_product"."view_count" + CASE '
         'WHEN ("catalog_product"."id" = %s) THEN %s ELSE %s END) WHERE "catalog_product"."id" '
         "IN (%s)", (7, 1, 0, 7), None),
        ('UPDATE "accounts_user" SET "last_login" = %s WHERE "accounts_user"."id" = %s',
         ("t", 1), None),
        ('UPDATE "accounts_user" SET "username" = %s, "avatar" = %s WHERE "id" = %s',
         ("a", "b", 1), ("catalog", None)),
        ('INSERT INTO "accounts_user" ("username") VALUES (%s)', ("a",), None),
        ('TRUNCATE "catalog_product", "orders_order" CASCADE', None, ("catalog", None)),
        ('UPDATE "orders_order" SET "status" = %s WHERE "orders_order"."id" = %s', ("x", 1),
         None),
        ('SELECT "catalog_product"."id" FROM "catalog_product"', None, None),
    ],
)  # fmt: skip
def test_which_statements_change_pages(sql, params, change):
    assert guard_classify(sql, params) == change


# --- the guard: a write path that forgets to ask fails its test --------------------------


def test_the_guard_fails_a_stock_change_that_forgets_to_ask(catalog, monkeypatch, pagecache_guard):
    monkeypatch.setattr(checkout_module.pagecache, "stock_changed", lambda ids: None)
    _order(catalog["phone"])
    failures = pagecache_guard.verdict()
    assert len(failures) == 1, failures
    assert "orders/services/checkout.py" in failures[0] and "stock_changed" in failures[0]
    pagecache_guard.forget()


def test_the_guard_fails_a_product_edit_that_forgets_to_ask(catalog, monkeypatch, pagecache_guard):
    monkeypatch.setattr(products_module.pagecache, "catalog_changed", lambda: None)
    product_update(product=catalog["phone"], changes={"name": "Galaxy S23 FE"})
    failures = pagecache_guard.verdict()
    assert failures and all("catalog_changed" in f for f in failures), failures
    assert any("catalog/services/products.py" in f for f in failures)
    pagecache_guard.forget()


def test_the_guard_fails_a_stock_change_that_names_another_product(
    catalog, monkeypatch, pagecache_guard
):
    other = ProductFactory()
    asks = checkout_module.pagecache.stock_changed
    monkeypatch.setattr(checkout_module.pagecache, "stock_changed", lambda ids: asks([other.pk]))
    _order(catalog["phone"])
    failures = pagecache_guard.verdict()
    assert len(failures) == 1 and f"stock_changed([{catalog['phone'].pk}])" in failures[0]
    pagecache_guard.forget()


def test_the_guard_lets_a_rolled_back_write_go(catalog, pagecache_guard):
    with pytest.raises(RuntimeError), transaction.atomic():
        _take_stock(
            storefront=TECHAVEN_SF, lines=[Line(catalog["phone"].pk, 1)], closed=set(), field="cart"
        )
        raise RuntimeError
    assert pagecache_guard.verdict() == []


# --- a page built while a write was open is not kept past its commit ---------------------


def test_a_page_whose_product_changed_stock_during_its_build_is_not_stored(catalog):
    phone = catalog["phone"]
    index = pagecache._index()
    began = cache.get(pagecache.STOCK_SEQ_KEY) or 0
    pagecache.drop_products((phone.pk,))  # the change commits while the page is built
    assert not index.store("catalog:page:test", ("v", "application/json", b"{}"), began,
                           [phone.pk])  # fmt: skip
    assert cache.get("catalog:page:test") is None
    began = cache.get(pagecache.STOCK_SEQ_KEY)
    assert index.store("catalog:page:test", ("v", "application/json", b"{}"), began, [phone.pk])
    assert cache.get("catalog:page:test") == ("v", "application/json", b"{}")
    pagecache.drop_products((phone.pk,))
    assert cache.get("catalog:page:test") is None


@needs_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("write", ["edit", "stock"])
def test_a_page_built_during_an_open_write_is_dropped_at_its_commit(catalog, write):
    phone = catalog["phone"]
    path = f"{TECHAVEN}/products/hot-sales"  # (a product page would wait: it counts a view)
    written, built = threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():
                if write == "edit":
                    product_update(product=phone, changes={"price_minor": 777_000})
                else:
                    _take_stock(
                        storefront=TECHAVEN_SF,
                        lines=[Line(phone.pk, 4)],
                        closed=set(),
                        field="cart",
                    )
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
    old = during.json()["data"]["products"][0]
    assert (old["price"], old["stock_quantity"]) == (900_000, phone.stock_quantity)
    after = reader.get(path)
    assert after[pagecache.HIT_HEADER] == "miss"
    new = after.json()["data"]["products"][0]
    if write == "edit":
        assert new["price"] == 777_000
    else:
        assert new["stock_quantity"] == phone.stock_quantity - 4


def test_rate_limits_count_cached_answers_too(api, catalog, settings):
    settings.RATELIMIT_ENABLED = True
    answers = [api.get(f"{TECHAVEN}/search?q=galaxy") for _ in range(3)]
    assert [r[pagecache.HIT_HEADER] for r in answers] == ["miss", "hit", "hit"]
    assert [int(r["X-RateLimit-Remaining"]) for r in answers] == [29, 28, 27]
