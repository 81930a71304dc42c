import pytest
from django.conf import settings
from django.utils import timezone

from catalog.models import Category, Product, Shop
from tests.conftest import TECHAVEN
from tests.factories.catalog import CategoryFactory, ProductFactory, ShopFactory
from tests.helpers.catalog import needs_postgres

pytestmark = pytest.mark.django_db


def test_categories_with_subcategories_and_product_counts(api):
    phones = CategoryFactory(name="Phones", icon="smartphone", is_featured=True, sort_order=1)
    android = CategoryFactory(name="Android Phones", parent=phones)
    iphones = CategoryFactory(name="iPhones", parent=phones)
    laptops = CategoryFactory(name="Laptops", sort_order=2)
    ProductFactory.create_batch(2, category=android)
    ProductFactory(category=iphones)
    ProductFactory(category=phones)
    ProductFactory(category=iphones, deleted_at=timezone.now())

    response = api.get(f"{TECHAVEN}/categories")

    assert response.status_code == 200
    categories = response.json()["data"]["categories"]
    assert [c["name"] for c in categories] == ["Phones", "Laptops"]
    first = categories[0]
    assert first["product_count"] == 4 and first["parent_id"] is None
    assert first["icon"] == "smartphone" and first["is_featured"] is True
    assert first["image_url"] is None and first["slug"] == "phones"
    assert first["subcategories"] == [
        {"id": android.pk, "name": "Android Phones", "slug": "android-phones", "product_count": 2},
        {"id": iphones.pk, "name": "iPhones", "slug": "iphones", "product_count": 1},
    ]
    assert categories[1]["id"] == laptops.pk and categories[1]["subcategories"] == []


def test_category_products_include_subcategories_and_unknown_is_404(api):
    phones = CategoryFactory(name="Phones")
    android = CategoryFactory(name="Android", parent=phones)
    ProductFactory(name="pixel", category=android, price_minor=10)
    ProductFactory(name="nokia", category=phones, price_minor=20)
    ProductFactory(name="dell")
    response = api.get(f"{TECHAVEN}/categories/{phones.pk}/products", {"sort": "price"})
    assert response.status_code == 200
    assert [p["name"] for p in response.json()["data"]["products"]] == ["nokia", "pixel"]
    missing = api.get(f"{TECHAVEN}/categories/999999/products")
    assert missing.status_code == 404
    assert missing.json() == {"success": False, "message": "Category not found", "errors": {}}
    bad = api.get(f"{TECHAVEN}/categories/{phones.pk}/products", {"min_price": "-1"})
    assert bad.status_code == 400


def test_categories_query_count_holds(api, django_assert_max_num_queries):
    for n in (1, 50):
        Category.objects.filter(parent__isnull=False).delete()
        Category.objects.all().delete()
        for _ in range(n):
            parent = CategoryFactory()
            CategoryFactory(parent=parent)
        with django_assert_max_num_queries(4):
            response = api.get(f"{TECHAVEN}/categories")
        assert len(response.json()["data"]["categories"]) == n


# --- shops --------------------------------------------------------------------------------


def test_shop_list_shape_and_filters(api):
    phones = CategoryFactory(name="Phones")
    laptops = CategoryFactory(name="Laptops")
    lilongwe = ShopFactory(name="TechStore MW", location="Lilongwe", is_verified=True)
    blantyre = ShopFactory(name="Blantyre Gadgets", location="Blantyre")
    ProductFactory(shop=lilongwe, category=phones)
    ProductFactory(shop=lilongwe, category=laptops)
    ProductFactory(shop=blantyre, category=laptops)
    ShopFactory(is_active=False)

    response = api.get(f"{TECHAVEN}/shops")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["pagination"]["total_items"] == 2
    card = data["shops"][0]
    assert card["id"] == f"vnd_{lilongwe.uid}" and card["name"] == "TechStore MW"
    assert card["categories"] == ["Laptops", "Phones"]
    assert {"slug", "description", "logo_url", "cover_image_url", "rating", "review_count",
            "product_count", "location", "is_verified", "is_open"} <= set(card)  # fmt: skip

    def names(**params):
        body = api.get(f"{TECHAVEN}/shops", params).json()
        return sorted(s["name"] for s in body["data"]["shops"])

    assert names(location="blantyre") == ["Blantyre Gadgets"]
    assert names(category_id=phones.pk) == ["TechStore MW"]
    assert names(category_id=laptops.pk) == ["Blantyre Gadgets", "TechStore MW"]
    assert api.get(f"{TECHAVEN}/shops", {"category_id": 999999}).status_code == 400
    assert api.get(f"{TECHAVEN}/shops", {"page": "x"}).status_code == 400


def test_shop_detail_and_products(api):
    phones = CategoryFactory(name="Phones")
    hours = {"monday": "08:00 - 17:00", "sunday": "Closed"}
    shop = ShopFactory(
        name="TechStore MW", business_hours=hours, phone="+265991234567", address="City Mall"
    )
    ProductFactory(shop=shop, category=phones, name="mine")
    ProductFactory(name="theirs")

    response = api.get(f"{TECHAVEN}/shops/vnd_{shop.uid}")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["business_hours"] == hours
    assert data["categories"] == [{"id": phones.pk, "name": "Phones"}]
    assert {"address", "phone", "email", "website", "joined_at", "is_open"} <= set(data)
    products = api.get(f"{TECHAVEN}/shops/vnd_{shop.uid}/products").json()["data"]["products"]
    assert [p["name"] for p in products] == ["mine"]
    for bad in ("vnd_nope", "123", f"vnd_{ShopFactory(is_active=False).uid}"):
        assert api.get(f"{TECHAVEN}/shops/{bad}").status_code == 404
        assert api.get(f"{TECHAVEN}/shops/{bad}/products").status_code == 404


def test_shops_query_count_holds(api, django_assert_max_num_queries):
    category = CategoryFactory()
    for n in (1, 50):
        Product.objects.all().delete()
        Shop.objects.all().delete()
        for _ in range(n):
            ProductFactory(category=category)
        with django_assert_max_num_queries(4):
            response = api.get(f"{TECHAVEN}/shops", {"limit": 100})
        assert len(response.json()["data"]["shops"]) == n


# --- search --------------------------------------------------------------------------------


def _catalog():
    phones = CategoryFactory(name="Phones")
    accessories = CategoryFactory(name="Accessories")
    iphone = ProductFactory(
        name="iPhone 14 Pro", category=phones, price_minor=1_299_000, brand="Apple",
        description="Apple phone with Dynamic Island", rating=4.8, sales_count=5,
    )  # fmt: skip
    case = ProductFactory(
        name="Leather Case", category=accessories, price_minor=50_000, brand="Apple",
        tags=["iphone", "case"], description="Fits iPhone 14", rating=4.1,
    )  # fmt: skip
    samsung = ProductFactory(
        name="Samsung Galaxy S23", category=phones, price_minor=999_000,
        description="Android phone, not an iphone rival at all", rating=4.5,
    )  # fmt: skip
    ProductFactory(name="Dell XPS 13", description="Laptop")
    return phones, accessories, iphone, case, samsung


def test_search_shape_and_facets(api):
    phones, accessories, iphone, case, samsung = _catalog()
    response = api.get(f"{TECHAVEN}/search", {"q": "iphone"})
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Search results"
    data = body["data"]
    assert data["query"] == "iphone"
    assert {p["id"] for p in data["products"]} == {iphone.pk, case.pk, samsung.pk}
    assert sorted(data["filters"]["categories"], key=lambda c: c["id"]) == [
        {"id": phones.pk, "name": "Phones", "count": 2},
        {"id": accessories.pk, "name": "Accessories", "count": 1},
    ]
    assert data["filters"]["price_range"] == {"min": 50_000, "max": 1_299_000}
    assert data["pagination"]["total_items"] == 3
    assert isinstance(data["suggestions"], list)


def test_search_sorts_and_filters(api):
    phones, _, iphone, case, samsung = _catalog()

    def ids(**params):
        body = api.get(f"{TECHAVEN}/search", {"q": "iphone", **params}).json()
        return [p["id"] for p in body["data"]["products"]]

    assert ids(sort="price_asc") == [case.pk, samsung.pk, iphone.pk]
    assert ids(sort="price_desc") == [iphone.pk, samsung.pk, case.pk]
    assert ids(sort="rating") == [iphone.pk, samsung.pk, case.pk]
    assert ids(sort="newest") == [samsung.pk, case.pk, iphone.pk]
    assert sorted(ids(category_id=phones.pk)) == sorted([iphone.pk, samsung.pk])
    assert ids(min_price=100_000, max_price=1_000_000) == [samsung.pk]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "  "},
        {"q": "x", "sort": "cheapest"},
        {"q": "x", "category_id": "999999"},
        {"q": "x", "min_price": "9", "max_price": "1"},
        {"q": "x", "page": "two"},
    ],
)
def test_search_bad_input_is_400(api, params):
    response = api.get(f"{TECHAVEN}/search", params)
    assert response.status_code == 400 and response.json()["success"] is False


@needs_postgres
def test_search_relevance_puts_name_matches_first(api):
    _, _, iphone, case, samsung = _catalog()
    body = api.get(f"{TECHAVEN}/search", {"q": "iphone"}).json()
    ids = [p["id"] for p in body["data"]["products"]]
    # A (name) beats B (tags) beats D (description)
    assert ids == [iphone.pk, case.pk, samsung.pk]


@needs_postgres
def test_misspelt_word_still_finds_its_product(api):
    _, _, iphone, _, _ = _catalog()
    body = api.get(f"{TECHAVEN}/search", {"q": "iphnoe pro"}).json()["data"]
    assert [p["id"] for p in body["products"]] == [iphone.pk]
    assert body["suggestions"][0] == "iphone pro"
    body = api.get(f"{TECHAVEN}/search", {"q": "samsnug"}).json()["data"]
    assert body["products"][0]["name"] == "Samsung Galaxy S23"


@needs_postgres
def test_facets_count_all_matches_not_just_the_page(api):
    phones = CategoryFactory(name="Phones")
    accessories = CategoryFactory(name="Accessories")
    ProductFactory.create_batch(7, name="Tecno Spark", category=phones, price_minor=200_000)
    ProductFactory.create_batch(3, name="Tecno Charger", category=accessories, price_minor=9_000)
    data = api.get(f"{TECHAVEN}/search", {"q": "tecno", "limit": 2}).json()["data"]
    assert len(data["products"]) == 2
    assert data["filters"]["categories"] == [
        {"id": phones.pk, "name": "Phones", "count": 7},
        {"id": accessories.pk, "name": "Accessories", "count": 3},
    ]
    assert data["filters"]["price_range"] == {"min": 9_000, "max": 200_000}
    assert data["pagination"]["total_items"] == 10


def test_suggestions_products_and_categories(api):
    CategoryFactory(name="iPhones")
    ProductFactory(name="iPhone 14 Pro")
    ProductFactory(name="Dell XPS")
    response = api.get(f"{TECHAVEN}/search/suggestions", {"q": "iph"})
    assert response.status_code == 200
    assert response.json()["message"] == "Suggestions retrieved"
    assert response.json()["data"]["suggestions"] == [
        {"text": "iPhone 14 Pro", "type": "product"},
        {"text": "iPhones", "type": "category"},
    ]


@pytest.mark.parametrize("q", [None, "", "a", " b "])
def test_suggestions_need_two_characters(api, q):
    response = api.get(f"{TECHAVEN}/search/suggestions", {} if q is None else {"q": q})
    assert response.status_code == 400 and "q" in response.json()["errors"]


def test_search_uses_the_search_rate_limit(api, settings):
    settings.RATELIMIT_ENABLED = True
    for remaining, path in ((29, "/search/suggestions"), (28, "/search")):  # one budget
        response = api.get(f"{TECHAVEN}{path}", {"q": "ip"})
        assert response["X-RateLimit-Limit"] == "30"
        assert response["X-RateLimit-Remaining"] == str(remaining)


def test_search_query_count_holds(api, django_assert_max_num_queries):
    category = CategoryFactory()
    for n in (1, 50):
        Product.objects.all().delete()
        ProductFactory.create_batch(n, name="Tecno Spark", category=category)
        with django_assert_max_num_queries(12):
            response = api.get(f"{TECHAVEN}/search", {"q": "tecno spark", "limit": 100})
        assert len(response.json()["data"]["products"]) == n


# --- decisions the document leaves open (docs/decisions.md, Catalog) ---------------------


def test_shops_verified_first_then_best_rated_then_by_name(api):
    ShopFactory(name="Zeta", is_verified=True, rating=3)
    ShopFactory(name="Alpha", rating=4.9)
    ShopFactory(name="Beta", is_verified=True, rating=4.5)
    ShopFactory(name="Gamma", is_verified=True, rating=4.5)
    shops = api.get(f"{TECHAVEN}/shops").json()["data"]["shops"]
    assert [s["name"] for s in shops] == ["Beta", "Gamma", "Zeta", "Alpha"]


def test_shop_filters_location_is_the_whole_city_and_category_includes_its_own(api):
    phones = CategoryFactory(name="Phones")
    android = CategoryFactory(name="Android", parent=phones)
    ShopFactory(name="Sells android", location="Lilongwe")
    ProductFactory(shop=Shop.objects.get(name="Sells android"), category=android)
    ShopFactory(name="Phone shop, nothing listed", category=phones, location="Blantyre")
    gone = ShopFactory(name="Only a deleted phone", location="Lilongwe")
    ProductFactory(shop=gone, category=phones, deleted_at=timezone.now())

    def names(**params):
        body = api.get(f"{TECHAVEN}/shops", params).json()
        return sorted(s["name"] for s in body["data"]["shops"])

    assert names(category_id=phones.pk) == ["Phone shop, nothing listed", "Sells android"]
    assert names(location="LILONGWE") == ["Only a deleted phone", "Sells android"]
    assert names(location="Lilong") == []


def test_search_facets_ignore_the_category_and_price_filters(api):
    phones, accessories, _, case, _ = _catalog()
    data = api.get(
        f"{TECHAVEN}/search", {"q": "iphone", "category_id": accessories.pk, "max_price": 60_000}
    ).json()["data"]
    assert [p["id"] for p in data["products"]] == [case.pk]
    assert {c["id"]: c["count"] for c in data["filters"]["categories"]} == {
        phones.pk: 2,
        accessories.pk: 1,
    }
    assert data["filters"]["price_range"] == {"min": 50_000, "max": 1_299_000}


def test_search_suggestions_are_the_names_found_and_punctuation_only_finds_nothing(api):
    ProductFactory(name="Tecno Spark 10", sales_count=5)
    ProductFactory(name="Tecno Camon 20", sales_count=9)
    data = api.get(f"{TECHAVEN}/search", {"q": "tecno"}).json()["data"]
    assert sorted(data["suggestions"]) == ["Tecno Camon 20", "Tecno Spark 10"]
    nothing = api.get(f"{TECHAVEN}/search", {"q": "!!!"})
    assert nothing.status_code == 200
    assert nothing.json()["data"]["products"] == []
    assert nothing.json()["data"]["filters"]["price_range"] == {"min": 0, "max": 0}


@pytest.mark.skipif(settings.USES_POSTGRES, reason="the fallback used on other databases")
def test_without_postgres_search_matches_name_brand_description_best_sellers_first(api):
    tagged = ProductFactory(name="Leather Case", tags=["iphone"], specifications={"fits": "iphone"})
    low = ProductFactory(name="Case", description="for the iPhone 14", sales_count=1)
    high = ProductFactory(name="Charger", brand="iPhone Accessories", sales_count=9)
    found = api.get(f"{TECHAVEN}/search", {"q": "IPHONE"}).json()["data"]["products"]
    ids = [p["id"] for p in found]
    assert ids == [high.pk, low.pk]  # tags and specifications are not searched here
    assert tagged.pk not in ids


@needs_postgres
def test_postgres_search_finds_specifications_below_tags_and_prefixes(api):
    named = ProductFactory(name="Oraimo Powerbank")
    tagged = ProductFactory(name="Charger A", tags=["powerbank"])
    specced = ProductFactory(name="Charger B", specifications={"type": "powerbank"})
    described = ProductFactory(name="Charger C", description="works with any powerbank")
    found = api.get(f"{TECHAVEN}/search", {"q": "powerb"}).json()["data"]["products"]
    ids = [p["id"] for p in found]
    assert ids == [named.pk, tagged.pk, specced.pk, described.pk]


def test_autocomplete_best_sellers_first_distinct_at_most_five_then_three_categories(api):
    for n in range(7):
        ProductFactory(name=f"Tecno Spark {n}", sales_count=n)
    ProductFactory(name="TECNO SPARK 6", sales_count=100)  # the same name in other case
    for name in ("Tecno Phones", "Tecno Tablets", "Tecno Audio", "Tecno Parts"):
        CategoryFactory(name=name)
    suggestions = api.get(f"{TECHAVEN}/search/suggestions", {"q": "tecno"}).json()["data"][
        "suggestions"
    ]
    products = [s["text"] for s in suggestions if s["type"] == "product"]
    categories = [s["text"] for s in suggestions if s["type"] == "category"]
    assert products == ["TECNO SPARK 6"] + [f"Tecno Spark {n}" for n in (5, 4, 3, 2)]
    assert len(categories) == 3 and suggestions[-3:] == [
        {"text": c, "type": "category"} for c in categories
    ]


def test_search_reads_the_first_eight_words(api):
    product = ProductFactory(name="one two three four five six seven eight")
    found = api.get(f"{TECHAVEN}/search", {"q": f"{product.name} nine"}).json()["data"]
    assert [p["id"] for p in found["products"]] == [product.pk]


@needs_postgres
def test_words_of_renamed_and_deleted_products_are_forgotten(api):
    from catalog.models import SearchTerm
    from catalog.services.products import product_soft_delete, product_update
    from catalog.tasks import search_words_forget_unused

    _, _, _, case, samsung = _catalog()
    product_update(product=samsung, changes={"name": "Pixel 8"})
    product_soft_delete(product=case)
    words = set(SearchTerm.objects.values_list("word", flat=True))
    assert {"samsung", "galaxy", "leather", "pixel"} <= words

    assert search_words_forget_unused.delay().get() >= 3
    words = set(SearchTerm.objects.values_list("word", flat=True))
    assert {"samsung", "galaxy", "leather"}.isdisjoint(words)
    assert {"pixel", "iphone", "apple", "dell"} <= words  # brands count, as in reindex
    # no longer "corrected" into a word that finds nothing
    body = api.get(f"{TECHAVEN}/search", {"q": "samsnug"}).json()["data"]
    assert body["products"] == [] and body["suggestions"] == []
    assert search_words_forget_unused.delay().get() == 0
