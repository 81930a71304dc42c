import pytest

from catalog.models import Product
from catalog.viewcounts import views_flush
from tests.conftest import CRYPTOSHOP
from tests.factories.catalog import (
    CategoryFactory,
    CryptoShopProductFactory,
    CryptoShopSellerFactory,
    ProductImageFactory,
    ReviewFactory,
)
from tests.helpers.catalog import cs_client

pytestmark = pytest.mark.django_db

NEW_PRODUCT = {
    "name": "Premium VPN Subscription",
    "description": "Lifetime VPN subscription with unlimited bandwidth",
    "priceBtc": 0.0025,
    "priceEur": 89.99,
    "category": "Services",
    "images": ["https://example.com/image1.jpg"],
    "tags": ["VPN", "Privacy"],
    "inStock": True,
    "stockQuantity": 999,
    "deliveryTime": "Instant",
    "digitalProduct": True,
    "downloadUrl": "https://example.com/download",
    "specifications": [{"key": "Subscription Type", "value": "Lifetime"}],
}


def services_category(name="Services"):
    from core.storefront import Storefront

    return CategoryFactory(name=name, storefront=Storefront.CRYPTOSHOP)


def test_product_list_shape_with_exact_btc_and_eur(api):
    seller = CryptoShopSellerFactory(name="SecureNet")
    product = CryptoShopProductFactory(
        shop=seller, category=services_category(), tags=["VPN"], delivery_time="Instant"
    )
    ProductImageFactory(product=product, url="https://example.com/image1.jpg")

    response = api.get(f"{CRYPTOSHOP}/products")

    assert response.status_code == 200
    body = response.json()
    assert body["pagination"] == {"page": 1, "limit": 12, "total": 1, "pages": 1}
    card = body["data"][0]
    assert card["id"] == f"product_{product.uid}"
    assert card["priceBtc"] == 0.0025 and card["priceEur"] == 89.99
    assert b'"priceBtc":0.0025' in response.content
    assert card["category"] == "Services"
    assert card["images"] == ["https://example.com/image1.jpg"]
    assert card["inStock"] is True
    assert card["seller"]["id"] == f"seller_{seller.uid}"
    assert card["seller"]["storeName"] == "SecureNet"
    assert card["seller"]["user"] == {"username": seller.owner.username, "avatar": None}
    assert set(card) >= {"tags", "deliveryTime", "rating", "reviewCount", "viewCount"}
    assert set(card) >= {"createdAt", "updatedAt"}


def test_product_list_filters_and_sorts(api):
    services = services_category("Services")
    goods = services_category("Digital Goods")
    a = CryptoShopProductFactory(name="alpha vpn", category=services, price_minor=100_000,
                                 rating=4, sales_count=10)  # fmt: skip
    b = CryptoShopProductFactory(name="beta ebook", category=goods, price_minor=500_000,
                                 rating=5, sales_count=1)  # fmt: skip
    c = CryptoShopProductFactory(name="gamma vpn", category=services, price_minor=2_000_000,
                                 rating=3, sales_count=99, shop=a.shop)  # fmt: skip

    def names(**params):
        return [p["name"] for p in api.get(f"{CRYPTOSHOP}/products", params).json()["data"]]

    assert names() == ["beta ebook", "alpha vpn", "gamma vpn"]  # rating desc by default
    assert names(sortBy="price", sortOrder="asc") == ["alpha vpn", "beta ebook", "gamma vpn"]
    assert names(sortBy="popularity") == ["gamma vpn", "alpha vpn", "beta ebook"]
    assert names(sortBy="created", sortOrder="asc") == ["alpha vpn", "beta ebook", "gamma vpn"]
    assert names(category="services", sortBy="price") == ["gamma vpn", "alpha vpn"]
    assert names(category="All") == names()
    assert names(category="Nope") == []
    assert names(minPrice="0.001", maxPrice="0.005", sortBy="price") == ["beta ebook", "alpha vpn"]
    assert names(sellerId=f"seller_{a.shop.uid}", sortBy="price") == ["gamma vpn", "alpha vpn"]
    assert names(sellerId="seller_unknown") == []
    assert names(search="vpn", sortBy="price") == ["gamma vpn", "alpha vpn"]
    assert b.pk and c.pk


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"minPrice": "-0.1"}, "minPrice"),
        ({"maxPrice": "0.000000001"}, "maxPrice"),
        ({"minPrice": "abc"}, "minPrice"),
        ({"minPrice": "0.5", "maxPrice": "0.1"}, "minPrice"),
        ({"sortBy": "views"}, "sortBy"),
        ({"sortOrder": "up"}, "sortOrder"),
        ({"sellerId": "usr_123"}, "sellerId"),
        ({"page": "x"}, "page"),
    ],
)
def test_bad_product_list_input_is_a_cryptoshop_validation_error(api, params, field):
    response = api.get(f"{CRYPTOSHOP}/products", params)
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False and body["code"] == "VALIDATION_ERROR"
    assert field in body["details"]


def test_product_detail_shape_counts_views_and_hides_download_from_buyers(api):
    seller = CryptoShopSellerFactory(is_verified=True, response_time="2 hours")
    product = CryptoShopProductFactory(
        shop=seller,
        specifications={"Devices": "Up to 10"},
        download_url="https://example.com/download",
        is_digital=True,
    )
    ReviewFactory(product=product, comment="Excellent VPN service!", helpful_count=24)

    response = api.get(f"{CRYPTOSHOP}/products/product_{product.uid}")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["specifications"] == [{"key": "Devices", "value": "Up to 10"}]
    assert data["viewCount"] == 1 and data["stockQuantity"] == 999
    assert data["digitalProduct"] is True and data["downloadUrl"] is None
    assert data["seller"]["user"]["isVerified"] is True
    assert data["seller"]["responseTime"] == "2 hours"
    assert data["seller"]["totalRevenue"] == 0
    review = data["reviews"][0]
    assert review["id"].startswith("review_") and review["content"] == "Excellent VPN service!"
    assert review["helpful"] == 24 and set(review["user"]) == {"username", "avatar"}
    views_flush()  # views are added up in Redis when there is one (catalog/viewcounts.py)
    product.refresh_from_db()
    assert product.view_count == 1

    owner_client, _ = cs_client(seller.owner)
    mine = owner_client.get(f"{CRYPTOSHOP}/products/product_{product.uid}").json()["data"]
    assert mine["downloadUrl"] == "https://example.com/download"


def test_a_bare_access_token_of_a_2fa_seller_does_not_see_the_download():
    """A read lets a 2FA account's bare access token through; the download, what buyers pay
    for, showed to it (a security review): it needs the 2FA session token."""
    from accounts.services.cryptoshop_auth import (
        cryptoshop_2fa_setup,
        cryptoshop_2fa_verify,
        cryptoshop_user_register,
    )
    from tests.conftest import cryptoshop_client
    from tests.helpers.cryptoshop import totp_code

    account = cryptoshop_user_register()
    shop = CryptoShopSellerFactory(owner=account.user)
    product = CryptoShopProductFactory(shop=shop, is_digital=True, download_url="https://f.io/k")
    setup = cryptoshop_2fa_setup(user=account.user)
    session = cryptoshop_2fa_verify(user=account.user, code=totp_code(setup.secret), remember=False)
    url = f"{CRYPTOSHOP}/products/product_{product.uid}"
    bare = cryptoshop_client(account.access_token).get(url)
    assert bare.status_code == 200 and bare.json()["data"]["downloadUrl"] is None
    full = cryptoshop_client(session.session_token).get(url)
    assert full.json()["data"]["downloadUrl"] == "https://f.io/k"


def test_unknown_product_is_404(api):
    for pid in ("product_nope", "nope", "123"):
        response = api.get(f"{CRYPTOSHOP}/products/{pid}")
        assert response.status_code == 404
        assert response.json()["code"] == "RESOURCE_NOT_FOUND"


def test_seller_creates_a_product(cs_seller):
    client, _, shop = cs_seller
    response = client.post(f"{CRYPTOSHOP}/products", NEW_PRODUCT, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["sellerId"] == f"seller_{shop.uid}"
    assert data["priceBtc"] == 0.0025 and data["priceEur"] == 89.99
    assert data["rating"] == 0 and data["reviewCount"] == 0 and data["isActive"] is True
    assert data["specifications"] == NEW_PRODUCT["specifications"]
    product = Product.objects.get(uid=data["id"].removeprefix("product_"))
    assert product.price_minor == 250_000 and product.price_eur_minor == 8_999
    assert product.currency == "BTC" and product.category.name == "Services"
    shop.refresh_from_db()
    assert shop.product_count == 1


def test_product_writes_need_a_token_and_a_seller_profile(api):
    response = api.post(f"{CRYPTOSHOP}/products", NEW_PRODUCT, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "AUTHENTICATION_REQUIRED"
    client, _ = cs_client()
    response = client.post(f"{CRYPTOSHOP}/products", NEW_PRODUCT, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "INSUFFICIENT_PERMISSIONS"
    closed_client, closed_user = cs_client()
    CryptoShopSellerFactory(owner=closed_user, is_active=False)
    closed = closed_client.post(f"{CRYPTOSHOP}/products", {"name": "x"}, format="json")
    assert closed.status_code == 403
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"priceBtc": -0.1},
        {"priceBtc": 0},
        {"priceBtc": "0.000000001"},
        {"priceBtc": "abc"},
        {"stockQuantity": -1},
        {"name": ""},
        {"images": ["not a url"]},
    ],
)
def test_bad_product_body_is_refused_and_nothing_is_created(cs_seller, change):
    client, _, _ = cs_seller
    response = client.post(f"{CRYPTOSHOP}/products", {**NEW_PRODUCT, **change}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert not Product.objects.exists()


def test_owner_updates_a_product_and_sees_what_changed(cs_seller):
    client, _, shop = cs_seller
    product = CryptoShopProductFactory(shop=shop)
    response = client.put(
        f"{CRYPTOSHOP}/products/product_{product.uid}",
        {"name": "Updated Product Name", "priceBtc": 0.003, "inStock": False},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["data"] == {
        "id": f"product_{product.uid}",
        "name": "Updated Product Name",
        "priceBtc": 0.003,
        "inStock": False,
        "updatedAt": response.json()["data"]["updatedAt"],
    }
    product.refresh_from_db()
    assert product.price_minor == 300_000 and product.stock_quantity == 0


@pytest.mark.parametrize(
    ("spec", "missing"), [({"key": "CPU"}, "value"), ({"value": "M2"}, "key"), ({}, "key")]
)
def test_a_partial_update_needs_each_specification_whole(cs_seller, spec, missing):
    """PUT changes only the fields sent, but a specification sent is a whole one: DRF passes
    `partial` down to nested serializers, and an entry without `value` answered 500."""
    client, _, shop = cs_seller
    product = CryptoShopProductFactory(shop=shop, specifications={"RAM": "8 GB"})
    url = f"{CRYPTOSHOP}/products/product_{product.uid}"
    response = client.put(url, {"specifications": [spec]}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert response.json()["details"][f"specifications.0.{missing}"] == ["This field is required."]
    product.refresh_from_db()
    assert product.specifications == {"RAM": "8 GB"}
    whole = client.put(url, {"specifications": [{"key": "CPU", "value": "M2"}]}, format="json")
    assert whole.status_code == 200
    assert whole.json()["data"]["specifications"] == [{"key": "CPU", "value": "M2"}]


@pytest.mark.parametrize(
    ("change", "details"),
    [
        (
            {"specifications": [{"key": f"k{n}", "value": "v" * 200} for n in range(40_000)]},
            {"specifications": ["Ensure this field has no more than 50 elements."]},
        ),
        (
            {"images": ["not a url"] * 10_000},
            {"images": ["Ensure this field has no more than 10 elements."]},
        ),
        ({"tags": [None] * 10_000}, {"tags": ["Ensure this field has no more than 20 elements."]}),
        (
            {"downloadUrl": "https://example.com/" + "d" * 200},
            {"downloadUrl": ["Ensure this field has no more than 200 characters."]},
        ),
    ],
)
def test_lists_are_counted_before_their_entries_and_strings_are_capped(cs_seller, change, details):
    """40,000 specifications (9 MB) were stored; 10,000 bad images answered 10,000 errors."""
    client, _, shop = cs_seller
    product = CryptoShopProductFactory(shop=shop, specifications={"RAM": "8 GB"})
    url = f"{CRYPTOSHOP}/products/product_{product.uid}"
    updated = client.put(url, change, format="json")
    assert updated.status_code == 400
    assert updated.json()["details"] == details
    created = client.post(f"{CRYPTOSHOP}/products", {**NEW_PRODUCT, **change}, format="json")
    assert created.status_code == 400
    assert created.json()["details"] == details
    product.refresh_from_db()
    assert product.specifications == {"RAM": "8 GB"}
    assert Product.objects.count() == 1


def test_another_sellers_product_is_refused_and_unchanged(cs_seller):
    client, _, _ = cs_seller
    other = CryptoShopProductFactory(name="theirs", price_minor=1000)
    url = f"{CRYPTOSHOP}/products/product_{other.uid}"
    response = client.put(url, {"name": "mine now", "priceBtc": 0.001}, format="json")
    assert response.status_code == 403
    assert client.delete(url).status_code == 403
    other.refresh_from_db()
    assert other.name == "theirs" and other.price_minor == 1000 and other.deleted_at is None


def test_delete_is_soft_the_row_stays_and_it_disappears(cs_seller, api):
    client, _, shop = cs_seller
    product = CryptoShopProductFactory(shop=shop)
    response = client.delete(f"{CRYPTOSHOP}/products/product_{product.uid}")
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Product deleted successfully"}
    product.refresh_from_db()
    assert product.deleted_at is not None
    assert api.get(f"{CRYPTOSHOP}/products/product_{product.uid}").status_code == 404
    assert api.get(f"{CRYPTOSHOP}/products").json()["data"] == []
    again = client.delete(f"{CRYPTOSHOP}/products/product_{product.uid}")
    assert again.status_code == 404


def test_product_list_query_count_holds(api, django_assert_max_num_queries):
    category = services_category()
    seller = CryptoShopSellerFactory()
    for n in (1, 50):
        Product.objects.all().delete()
        for _ in range(n):
            p = CryptoShopProductFactory(shop=seller, category=category, tags=["vpn"])
            ProductImageFactory(product=p)
        with django_assert_max_num_queries(8):
            response = api.get(
                f"{CRYPTOSHOP}/products",
                {"limit": 100, "category": "Services", "sortBy": "price", "minPrice": "0.0001"},
            )
        assert len(response.json()["data"]) == n


# --- decisions the document leaves open (docs/decisions.md, Catalog) ---------------------


def test_prices_are_exact_satoshis_and_cents_and_never_rounded(cs_seller):
    client, _, _ = cs_seller
    body = {**NEW_PRODUCT, "priceBtc": "0.12345678", "priceEur": "1234.5"}
    response = client.post(f"{CRYPTOSHOP}/products", body, format="json")
    assert response.status_code == 201, response.json()
    assert b'"priceBtc":0.12345678' in response.content
    assert b'"priceEur":1234.5' in response.content
    product = Product.objects.get()
    assert (product.price_minor, product.price_eur_minor) == (12_345_678, 123_450)

    too_fine = client.post(f"{CRYPTOSHOP}/products", {**NEW_PRODUCT, "priceEur": "89.999"})
    assert too_fine.status_code == 400 and "priceEur" in too_fine.json()["details"]
    no_eur = {k: v for k, v in NEW_PRODUCT.items() if k != "priceEur"}
    created = client.post(f"{CRYPTOSHOP}/products", no_eur, format="json").json()["data"]
    assert created["priceEur"] is None  # the seller's own EUR price, never converted
    assert Product.objects.count() == 2


def test_categories_are_named_by_sellers_and_matched_case_insensitively(cs_seller, api):
    client, _, _ = cs_seller
    parent = services_category("Software")
    child = CategoryFactory(name="Antivirus", storefront=parent.storefront, parent=parent)
    CryptoShopProductFactory(name="in child", category=child)
    first = client.post(f"{CRYPTOSHOP}/products", {**NEW_PRODUCT, "category": "services"})
    second = client.post(f"{CRYPTOSHOP}/products", {**NEW_PRODUCT, "category": "SERVICES"})
    assert first.status_code == second.status_code == 201
    assert first.json()["data"]["category"] == second.json()["data"]["category"] == "services"
    assert Product.objects.filter(category__name="services").count() == 2

    def names(category):
        return [p["name"] for p in api.get(f"{CRYPTOSHOP}/products", {"category": category})
                .json()["data"]]  # fmt: skip

    assert names("software") == ["in child"]  # a category covers its subcategories
    assert len(names("Services")) == 2


def test_in_stock_false_empties_the_stock_and_true_alone_adds_none(cs_seller):
    client, _, shop = cs_seller
    product = CryptoShopProductFactory(shop=shop, stock_quantity=5)
    url = f"{CRYPTOSHOP}/products/product_{product.uid}"
    assert client.put(url, {"inStock": False}, format="json").json()["data"]["inStock"] is False
    assert client.put(url, {"inStock": True}, format="json").json()["data"]["inStock"] is False
    restocked = client.put(url, {"inStock": True, "stockQuantity": 3}, format="json")
    assert restocked.json()["data"]["inStock"] is True
    product.refresh_from_db()
    assert product.stock_quantity == 3


def test_a_deleted_product_stays_in_the_orders_that_bought_it(cs_seller):
    from tests.helpers.orders import cryptoshop_account

    client, _, shop = cs_seller
    product = CryptoShopProductFactory(shop=shop, name="VPN")
    CryptoShopProductFactory(shop=shop)
    _, buyer = cryptoshop_account()
    line = {"productId": f"product_{product.uid}", "quantity": 1}
    order = buyer.post(f"{CRYPTOSHOP}/orders", {"items": [line]}, format="json").json()["data"]
    shop.refresh_from_db()

    assert client.delete(f"{CRYPTOSHOP}/products/product_{product.uid}").status_code == 200

    item = buyer.get(f"{CRYPTOSHOP}/orders/{order['id']}").json()["data"]["orderItems"][0]
    assert item["productId"] == f"product_{product.uid}" and item["priceBtc"] == 0.0025
    again = buyer.post(f"{CRYPTOSHOP}/orders", {"items": [line]}, format="json")
    assert again.status_code in (400, 404) and again.json()["success"] is False
    assert (
        client.put(
            f"{CRYPTOSHOP}/products/product_{product.uid}", {"name": "back"}, format="json"
        ).status_code
        == 404
    )
    shop.refresh_from_db()
    assert shop.product_count == 1


def test_hidden_reviews_leave_product_and_seller_pages(api):
    from catalog.services.reviews import review_set_hidden

    product = CryptoShopProductFactory()
    ReviewFactory(product=product, comment="fine")
    hidden = ReviewFactory(product=product, comment="spam")
    review_set_hidden(review=hidden, hidden=True)
    detail = api.get(f"{CRYPTOSHOP}/products/product_{product.uid}").json()["data"]
    seller = api.get(f"{CRYPTOSHOP}/sellers/seller_{product.shop.uid}").json()["data"]
    assert [r["content"] for r in detail["reviews"]] == ["fine"]
    assert [r["content"] for r in seller["reviews"]] == ["fine"]
    assert detail["reviewCount"] == 1 and detail["rating"] == 5.0


def test_techaven_products_are_not_cryptoshop_products(api):
    from tests.factories.catalog import ProductFactory

    other = ProductFactory()
    assert api.get(f"{CRYPTOSHOP}/products/product_{other.uid}").status_code == 404
    assert api.get(f"{CRYPTOSHOP}/products").json()["data"] == []


def test_images_sent_on_update_replace_the_old_ones(cs_seller):
    client, _, shop = cs_seller
    product = CryptoShopProductFactory(shop=shop)
    ProductImageFactory(product=product, url="https://example.com/old.jpg")
    url = f"{CRYPTOSHOP}/products/product_{product.uid}"
    new = ["https://example.com/a.jpg", "https://example.com/b.jpg"]
    assert client.put(url, {"images": new}, format="json").json()["data"]["images"] == new
    assert client.put(url, {"name": "renamed"}, format="json").status_code == 200
    assert client.get(url).json()["data"]["images"] == new
