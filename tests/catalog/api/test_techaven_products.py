from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Product
from catalog.viewcounts import views_flush
from tests.conftest import TECHAVEN
from tests.factories.catalog import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    ShopFactory,
)

pytestmark = pytest.mark.django_db

CARD_KEYS = {
    "id", "name", "slug", "description", "price", "original_price", "discount_percentage",
    "currency", "category_id", "category_name", "vendor_id", "vendor_name", "stock_quantity",
    "is_in_stock", "rating", "review_count", "images", "thumbnail", "specifications",
    "is_featured", "is_hot_sale", "is_new_arrival", "created_at",
}  # fmt: skip


def _list(api, path="/products", **params):
    return api.get(f"{TECHAVEN}{path}", params)


def test_product_list_shows_documented_card_and_pagination(api):
    phones = CategoryFactory(name="Phones")
    shop = ShopFactory(name="TechStore MW")
    product = ProductFactory(
        name="iPhone 14 Pro",
        category=phones,
        shop=shop,
        price_minor=1_299_000,
        original_price_minor=1_499_000,
        stock_quantity=25,
        specifications={"brand": "Apple", "storage": "256GB"},
        is_featured=True,
    )
    ProductImageFactory(product=product, url="https://cdn.example/1.jpg", position=0)
    ProductImageFactory(product=product, url="https://cdn.example/2.jpg", position=1)

    response = _list(api)

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and body["message"] == "Products retrieved"
    card = body["data"]["products"][0]
    assert set(card) == CARD_KEYS
    assert card["id"] == product.pk
    assert card["price"] == 1_299_000 and card["original_price"] == 1_499_000
    assert card["discount_percentage"] == 13  # 13.34 rounded half up
    assert card["currency"] == "MWK"
    assert card["category_id"] == phones.pk and card["category_name"] == "Phones"
    assert card["vendor_id"] == f"vnd_{shop.uid}" and card["vendor_name"] == "TechStore MW"
    assert card["images"] == ["https://cdn.example/1.jpg", "https://cdn.example/2.jpg"]
    assert card["thumbnail"] == "https://cdn.example/1.jpg"
    assert card["is_in_stock"] is True and card["is_new_arrival"] is True
    assert body["data"]["pagination"] == {
        "current_page": 1,
        "total_pages": 1,
        "total_items": 1,
        "items_per_page": 20,
        "has_next": False,
        "has_previous": False,
    }


def test_hidden_products_never_listed(api):
    ProductFactory(name="visible")
    ProductFactory(is_active=False)
    ProductFactory(deleted_at=timezone.now())
    ProductFactory(shop=ShopFactory(is_active=False))
    names = [p["name"] for p in _list(api).json()["data"]["products"]]
    assert names == ["visible"]


@pytest.mark.parametrize(
    ("sort", "order", "expected"),
    [
        ("price", "asc", ["b", "c", "a"]),
        ("price", "desc", ["a", "c", "b"]),
        ("name", None, ["a", "b", "c"]),
        ("name", "desc", ["c", "b", "a"]),
        ("rating", "desc", ["c", "a", "b"]),
        ("created_at", "asc", ["a", "b", "c"]),
        ("created_at", None, ["c", "b", "a"]),
    ],
)
def test_product_list_sorts(api, sort, order, expected):
    now = timezone.now()
    ProductFactory(name="a", price_minor=300, rating=4, created_at=now - timedelta(days=3))
    ProductFactory(name="b", price_minor=100, rating=2, created_at=now - timedelta(days=2))
    ProductFactory(name="c", price_minor=200, rating=5, created_at=now - timedelta(days=1))
    params = {"sort": sort, **({"order": order} if order else {})}
    names = [p["name"] for p in _list(api, **params).json()["data"]["products"]]
    assert names == expected


def test_product_list_filters_by_category_with_subcategories_price_and_vendor(api):
    phones = CategoryFactory(name="Phones")
    android = CategoryFactory(name="Android", parent=phones)
    laptops = CategoryFactory(name="Laptops")
    shop = ShopFactory()
    ProductFactory(name="pixel", category=android, price_minor=500_000, shop=shop)
    ProductFactory(name="nokia", category=phones, price_minor=50_000)
    ProductFactory(name="dell", category=laptops, price_minor=900_000, shop=shop)

    def names(**params):
        return sorted(p["name"] for p in _list(api, **params).json()["data"]["products"])

    assert names(category_id=phones.pk) == ["nokia", "pixel"]
    assert names(category_id=android.pk) == ["pixel"]
    assert names(min_price=100_000) == ["dell", "pixel"]
    assert names(max_price=500_000) == ["nokia", "pixel"]
    assert names(min_price=60_000, max_price=600_000) == ["pixel"]
    assert names(vendor_id=f"vnd_{shop.uid}") == ["dell", "pixel"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "popularity"}, "sort"),
        ({"order": "sideways"}, "order"),
        ({"category_id": "abc"}, "category_id"),
        ({"category_id": "999999"}, "category_id"),
        ({"min_price": "-5"}, "min_price"),
        ({"max_price": "cheap"}, "max_price"),
        ({"min_price": "10.5"}, "min_price"),
        ({"min_price": "500", "max_price": "100"}, "min_price"),
        ({"vendor_id": "vnd_nope"}, "vendor_id"),
        ({"page": "two"}, "page"),
        ({"limit": "0"}, "limit"),
    ],
)
def test_bad_list_input_answers_400_in_techaven_format(api, params, field):
    ProductFactory()
    response = _list(api, **params)
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert field in body["errors"]
    assert isinstance(body["message"], str)


def test_pagination_pages_do_not_overlap_and_past_the_end_is_empty(api):
    ProductFactory.create_batch(5, price_minor=100)
    first = _list(api, sort="price", limit=2, page=1).json()["data"]
    second = _list(api, sort="price", limit=2, page=2).json()["data"]
    third = _list(api, sort="price", limit=2, page=3).json()["data"]
    ids = [p["id"] for d in (first, second, third) for p in d["products"]]
    assert len(ids) == len(set(ids)) == 5
    assert first["pagination"]["has_next"] is True and first["pagination"]["total_pages"] == 3
    assert third["pagination"]["has_previous"] is True
    assert _list(api, page=9).json()["data"]["products"] == []


def test_merchandising_lists_follow_the_decided_rules(api):
    now = timezone.now()
    old = now - timedelta(days=90)
    ProductFactory(name="featured", is_featured=True, created_at=old)
    ProductFactory(name="hot-top", is_hot_sale=True, sales_count=50, created_at=old)
    ProductFactory(name="hot-low", is_hot_sale=True, sales_count=5, created_at=old)
    ProductFactory(name="offer-10", price_minor=900, original_price_minor=1000, created_at=old)
    ProductFactory(name="offer-50", price_minor=500, original_price_minor=1000, created_at=old)
    ProductFactory(name="not-offer", price_minor=1000, original_price_minor=900, created_at=old)
    ProductFactory(name="new", created_at=now - timedelta(days=2))
    ProductFactory(name="newer", created_at=now - timedelta(days=1))
    ProductFactory(name="edge", created_at=now - timedelta(days=31))

    def names(path):
        response = _list(api, path)
        assert response.status_code == 200
        data = response.json()["data"]
        assert data["pagination"]["items_per_page"] == 10  # documented default
        return [p["name"] for p in data["products"]]

    assert names("/products/featured") == ["featured"]
    assert names("/products/hot-sales") == ["hot-top", "hot-low"]
    assert names("/products/special-offers") == ["offer-50", "offer-10"]
    assert names("/products/new-arrivals") == ["newer", "new"]
    cards = {p["name"]: p for p in _list(api, limit=50).json()["data"]["products"]}
    assert cards["hot-top"]["is_hot_sale"] is True
    assert cards["not-offer"]["discount_percentage"] == 0
    assert cards["edge"]["is_new_arrival"] is False


def test_product_detail_shape_counts_a_view_and_lists_related(api):
    phones = CategoryFactory(name="Phones")
    shop = ShopFactory(name="TechStore MW", location="Lilongwe", rating=4.7)
    product = ProductFactory(category=phones, shop=shop, specifications={"ram": "8GB"})
    related = ProductFactory(category=phones, sales_count=3)
    ProductFactory()  # other category

    response = api.get(f"{TECHAVEN}/products/{product.pk}")

    assert response.status_code == 200
    data = response.json()["data"]
    assert response.json()["message"] == "Product retrieved"
    assert data["vendor"] == {
        "id": f"vnd_{shop.uid}",
        "name": "TechStore MW",
        "logo_url": None,
        "rating": 4.7,
        "location": "Lilongwe",
    }
    assert data["related_products"] == [related.pk]
    assert data["specifications"] == {"ram": "8GB"}
    assert {"updated_at", "created_at", "images", "thumbnail"} <= set(data)
    views_flush()  # views are added up in Redis when there is one (catalog/viewcounts.py)
    product.refresh_from_db()
    assert product.view_count == 1


def test_unknown_or_deleted_product_is_404(api):
    gone = ProductFactory(deleted_at=timezone.now())
    for pk in (gone.pk, 999_999):
        response = api.get(f"{TECHAVEN}/products/{pk}")
        assert response.status_code == 404
        assert response.json() == {"success": False, "message": "Product not found", "errors": {}}


def test_cryptoshop_products_are_not_techaven_products(api):
    from tests.factories.catalog import CryptoShopProductFactory

    other = CryptoShopProductFactory()
    assert api.get(f"{TECHAVEN}/products/{other.pk}").status_code == 404
    assert _list(api).json()["data"]["products"] == []


def _make_products(n):
    phones = CategoryFactory()
    shop = ShopFactory()
    for _ in range(n):
        p = ProductFactory(category=phones, shop=shop, original_price_minor=200_000,
                           is_featured=True, is_hot_sale=True)  # fmt: skip
        ProductImageFactory(product=p)
    return phones, shop


@pytest.mark.parametrize(
    "path",
    [
        "/products",
        "/products?sort=price&order=asc&min_price=1",
        "/products/featured",
        "/products/hot-sales",
        "/products/special-offers",
        "/products/new-arrivals",
        "CATEGORY",
        "SHOP",
    ],
)
def test_product_lists_hold_their_query_count(api, django_assert_max_num_queries, path):
    def resolve(category, shop):
        if path == "CATEGORY":
            return f"/categories/{category.pk}/products"
        if path == "SHOP":
            return f"/shops/vnd_{shop.uid}/products"
        return path

    for n in (1, 50):
        Product.objects.all().delete()
        category, shop = _make_products(n)
        url = resolve(category, shop)
        sep = "&" if "?" in url else "?"
        with django_assert_max_num_queries(8):
            response = api.get(f"{TECHAVEN}{url}{sep}limit=100")
        assert response.status_code == 200
        assert len(response.json()["data"]["products"]) == n


# --- decisions the document leaves open (docs/decisions.md, Catalog) ---------------------


def test_featured_lists_newest_first(api):
    now = timezone.now()
    ProductFactory(name="older", is_featured=True, created_at=now - timedelta(days=60))
    ProductFactory(name="newer", is_featured=True, created_at=now - timedelta(days=40))
    ProductFactory(name="plain", created_at=now - timedelta(days=50))
    names = [p["name"] for p in _list(api, "/products/featured").json()["data"]["products"]]
    assert names == ["newer", "older"]


def test_special_offers_rank_by_percentage_off_not_by_amount(api):
    # 100,000 off a 1,000,000 phone is 10 %; 500 off a 1,000 cable is 50 %
    ProductFactory(name="phone", price_minor=900_000, original_price_minor=1_000_000)
    ProductFactory(name="cable", price_minor=500, original_price_minor=1_000)
    ProductFactory(name="tiny", price_minor=199, original_price_minor=200)
    data = _list(api, "/products/special-offers").json()["data"]["products"]
    assert [p["name"] for p in data] == ["cable", "phone", "tiny"]
    assert [p["discount_percentage"] for p in data] == [50, 10, 1]  # 0.5 % rounds half up


def test_without_sort_the_newest_come_first_and_order_alone_reverses_that(api):
    now = timezone.now()
    ProductFactory(name="old", created_at=now - timedelta(days=3))
    ProductFactory(name="mid", created_at=now - timedelta(days=2))
    ProductFactory(name="new", created_at=now - timedelta(days=1))

    def names(**params):
        return [p["name"] for p in _list(api, **params).json()["data"]["products"]]

    assert names() == ["new", "mid", "old"]
    assert names(order="asc") == ["old", "mid", "new"]
    assert names(order="desc") == ["new", "mid", "old"]


def test_price_bounds_are_inclusive_whole_kwacha(api):
    ProductFactory(name="low", price_minor=1_000)
    ProductFactory(name="high", price_minor=2_000)

    def names(**params):
        return sorted(p["name"] for p in _list(api, **params).json()["data"]["products"])

    assert names(min_price="1000", max_price="2000") == ["high", "low"]
    assert names(min_price="1000.00", max_price="1000") == ["low"]
    assert names(min_price="2000", max_price="2000") == ["high"]


def test_related_products_same_category_best_sellers_first_at_most_four(api):
    phones, laptops = CategoryFactory(), CategoryFactory()
    product = ProductFactory(category=phones, sales_count=1_000)
    related = [ProductFactory(category=phones, sales_count=n) for n in (5, 50, 20, 1, 10)]
    ProductFactory(category=phones, sales_count=999, is_active=False)
    ProductFactory(category=phones, sales_count=998, deleted_at=timezone.now())
    ProductFactory(category=laptops, sales_count=997, shop=product.shop)

    data = api.get(f"{TECHAVEN}/products/{product.pk}").json()["data"]

    by_sales = sorted(related, key=lambda p: -p.sales_count)
    assert data["related_products"] == [p.pk for p in by_sales[:4]]


def test_related_products_of_an_uncategorised_product_come_from_its_shop(api):
    shop = ShopFactory()
    product = ProductFactory(category=None, shop=shop)
    same_shop = ProductFactory(shop=shop)
    ProductFactory(category=product.category)  # no category to share: not related
    data = api.get(f"{TECHAVEN}/products/{product.pk}").json()["data"]
    assert data["related_products"] == [same_shop.pk]


def test_every_detail_view_counts_and_lists_count_nothing(api):
    product = ProductFactory()
    _list(api)
    api.get(f"{TECHAVEN}/products/{product.pk}")
    api.get(f"{TECHAVEN}/products/{product.pk}")
    views_flush()
    product.refresh_from_db()
    assert product.view_count == 2
