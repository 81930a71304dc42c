import base64
from decimal import Decimal

import pytest

from catalog import selectors
from catalog.models import Review, ReviewImage, WishlistItem
from catalog.services.products import product_soft_delete, product_update
from catalog.services.reviews import ratings_refresh, review_set_hidden
from tests.conftest import TECHAVEN
from tests.factories.accounts import TechavenUserFactory
from tests.factories.catalog import ProductFactory, ReviewFactory, ShopFactory
from tests.factories.orders import OrderFactory, OrderItemFactory
from tests.helpers.catalog import png_base64, png_bytes, th_client

pytestmark = pytest.mark.django_db


def test_reviews_list_with_summary_breakdown(api):
    product = ProductFactory()
    for rating in (5, 5, 4, 1):
        ReviewFactory(product=product, rating=rating)
    ReviewFactory(product=product, rating=1, is_hidden=True)

    response = api.get(f"{TECHAVEN}/products/{product.pk}/reviews")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["summary"] == {
        "average_rating": 3.8,
        "total_reviews": 4,
        "rating_breakdown": {"5": 2, "4": 1, "3": 0, "2": 0, "1": 1},
    }
    review = data["reviews"][0]
    assert review["id"].startswith("rev_")
    assert review["user"]["id"].startswith("usr_")
    assert set(review["user"]) == {"id", "full_name", "avatar_url"}
    assert {"rating", "title", "comment", "images", "is_verified_purchase", "helpful_count",
            "created_at"} <= set(review)  # fmt: skip
    assert data["pagination"]["items_per_page"] == 10
    assert data["pagination"]["total_items"] == 4


def test_reviews_of_unknown_product_404(api):
    assert api.get(f"{TECHAVEN}/products/999999/reviews").status_code == 404


def test_add_review_with_images_updates_product_and_shop_rating(th_api, th_user):
    shop = ShopFactory()
    product = ProductFactory(shop=shop)
    ReviewFactory(product=product, rating=2)
    body = {"rating": 5, "title": "Amazing phone!", "comment": "Best.", "images": [png_base64()]}

    response = th_api.post(f"{TECHAVEN}/products/{product.pk}/reviews", body, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["message"] == "Review submitted successfully"
    data = response.json()["data"]
    assert set(data) == {"id", "rating", "title", "comment", "created_at"}
    review = Review.objects.get(uid=data["id"].removeprefix("rev_"))
    assert review.user == th_user and review.is_verified_purchase is False
    image = ReviewImage.objects.get(review=review)
    assert image.image.name.startswith("reviews/")
    product.refresh_from_db()
    shop.refresh_from_db()
    assert product.rating == Decimal("3.50") and product.review_count == 2
    assert shop.rating == Decimal("3.50") and shop.review_count == 2
    listed = th_api.get(f"{TECHAVEN}/products/{product.pk}/reviews").json()["data"]["reviews"]
    assert listed[0]["images"][0].startswith("http://testserver/media/reviews/")


def test_second_review_by_the_same_user_is_409(th_api):
    product = ProductFactory()
    url = f"{TECHAVEN}/products/{product.pk}/reviews"
    assert th_api.post(url, {"rating": 4}, format="json").status_code == 201
    again = th_api.post(url, {"rating": 1}, format="json")
    assert again.status_code == 409 and again.json()["success"] is False
    assert Review.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"rating": 0},
        {"rating": 6},
        {"rating": 4.5},
        {"rating": "4.5"},
        {"rating": True},
        {"rating": "five"},
        {"rating": 5, "title": "x" * 151},
        {},
        {"rating": 5, "images": ["not-base64!!"]},
        {"rating": 5, "images": [base64.b64encode(b"not an image").decode()]},
        {"rating": 5, "images": [png_base64()] * 6},
    ],
)
def test_bad_review_is_400_and_changes_nothing(th_api, body):
    product = ProductFactory()
    response = th_api.post(f"{TECHAVEN}/products/{product.pk}/reviews", body, format="json")
    assert response.status_code == 400
    assert response.json()["success"] is False and response.json()["errors"]
    assert not Review.objects.exists()
    product.refresh_from_db()
    assert product.review_count == 0


def test_review_images_are_counted_before_they_are_read(th_api):
    product = ProductFactory()
    body = {"rating": 5, "images": [""] * 10_000}
    response = th_api.post(f"{TECHAVEN}/products/{product.pk}/reviews", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "images": ["Ensure this field has no more than 5 elements."]
    }


def test_review_image_over_5mb_is_refused(th_api, settings):
    import catalog.conf

    product = ProductFactory()
    big = base64.b64encode(png_bytes() + b"\0" * (catalog.conf.REVIEW_IMAGE_MAX_BYTES + 1))
    response = th_api.post(
        f"{TECHAVEN}/products/{product.pk}/reviews",
        {"rating": 5, "images": [big.decode()]},
        format="json",
    )
    assert response.status_code == 400
    assert not Review.objects.exists()


def test_a_seller_cannot_review_their_own_shops_product(th_api, th_user):
    """Issue 12, finding 9: 403 in Techaven's format, nothing saved, the rating unmoved."""
    product = ProductFactory(shop=ShopFactory(owner=th_user))
    response = th_api.post(
        f"{TECHAVEN}/products/{product.pk}/reviews",
        {"rating": 5, "title": "Best shop ever", "images": [png_base64()]},
        format="json",
    )
    assert response.status_code == 403, response.content
    assert response.json() == {
        "success": False,
        "message": "You cannot review a product of your own shop.",
        "errors": {},
    }
    assert not Review.objects.exists() and not ReviewImage.objects.exists()
    product.refresh_from_db()
    assert product.review_count == 0 and product.rating == 0


def test_a_seller_may_review_another_shops_product(th_api, th_user):
    ShopFactory(owner=th_user)
    product = ProductFactory()
    response = th_api.post(
        f"{TECHAVEN}/products/{product.pk}/reviews", {"rating": 4}, format="json"
    )
    assert response.status_code == 201


def test_add_review_needs_a_token(api):
    product = ProductFactory()
    response = api.post(f"{TECHAVEN}/products/{product.pk}/reviews", {"rating": 5})
    assert response.status_code == 401
    assert response.json()["success"] is False


def test_hiding_a_review_moves_the_rating(th_user):
    product = ProductFactory()
    keep = ReviewFactory(product=product, rating=5)
    bad = ReviewFactory(product=product, rating=1)
    review_set_hidden(review=bad, hidden=True)
    product.refresh_from_db()
    assert product.rating == Decimal("5.00") and product.review_count == 1
    review_set_hidden(review=bad, hidden=False)
    product.refresh_from_db()
    assert product.rating == Decimal("3.00") and product.review_count == 2
    assert keep.pk


def test_verified_purchase_is_false_without_delivered_orders(th_user):
    assert selectors.user_has_delivered_purchase(th_user, ProductFactory()) is False


def test_reviews_list_query_count_holds(api, django_assert_max_num_queries):
    for n in (1, 50):
        product = ProductFactory()
        for _ in range(n):
            ReviewFactory(product=product, user=TechavenUserFactory())
        with django_assert_max_num_queries(6):
            response = api.get(f"{TECHAVEN}/products/{product.pk}/reviews", {"limit": 100})
        assert len(response.json()["data"]["reviews"]) == n


# --- wishlist ---------------------------------------------------------------------------


def test_wishlist_add_twice_adds_nothing_and_remove(th_api, th_user):
    product = ProductFactory(price_minor=1_299_000, original_price_minor=1_499_000)
    first = th_api.post(f"{TECHAVEN}/wishlist", {"product_id": product.pk}, format="json")
    assert first.status_code == 201
    assert first.json()["message"] == "Added to wishlist"
    data = first.json()["data"]
    assert data["wishlist_item_id"].startswith("wish_") and data["total_items"] == 1
    again = th_api.post(f"{TECHAVEN}/wishlist", {"product_id": product.pk}, format="json")
    assert again.status_code == 201
    assert again.json()["data"] == data
    assert WishlistItem.objects.filter(user=th_user).count() == 1

    listed = th_api.get(f"{TECHAVEN}/wishlist").json()["data"]
    assert listed["total_items"] == 1
    item = listed["items"][0]
    assert item["id"] == data["wishlist_item_id"]
    assert item["product"] == {
        "id": product.pk,
        "name": product.name,
        "price": 1_299_000,
        "original_price": 1_499_000,
        "thumbnail": None,
        "is_in_stock": True,
        "rating": 0.0,
    }
    assert "added_at" in item

    removed = th_api.delete(f"{TECHAVEN}/wishlist/{product.pk}")
    assert removed.status_code == 200
    assert removed.json() == {
        "success": True,
        "message": "Removed from wishlist",
        "data": {"total_items": 0},
    }
    assert th_api.delete(f"{TECHAVEN}/wishlist/{product.pk}").status_code == 404


def test_wishlist_is_private_and_needs_a_token(api, th_api):
    product = ProductFactory()
    other = th_client(TechavenUserFactory())
    other.post(f"{TECHAVEN}/wishlist", {"product_id": product.pk}, format="json")
    assert th_api.get(f"{TECHAVEN}/wishlist").json()["data"]["total_items"] == 0
    assert th_api.delete(f"{TECHAVEN}/wishlist/{product.pk}").status_code == 404
    assert WishlistItem.objects.count() == 1
    assert api.get(f"{TECHAVEN}/wishlist").status_code == 401


@pytest.mark.parametrize("body", [{}, {"product_id": "x"}, {"product_id": -1}])
def test_wishlist_bad_input(th_api, body):
    response = th_api.post(f"{TECHAVEN}/wishlist", body, format="json")
    assert response.status_code == 400 and "product_id" in response.json()["errors"]


def test_wishlist_unknown_product_404(th_api):
    response = th_api.post(f"{TECHAVEN}/wishlist", {"product_id": 999999}, format="json")
    assert response.status_code == 404


def test_wishlist_query_count_holds(th_api, th_user, django_assert_max_num_queries):
    for n in (1, 50):
        WishlistItem.objects.all().delete()
        for product in ProductFactory.create_batch(n):
            WishlistItem.objects.create(user=th_user, product=product)
        with django_assert_max_num_queries(6):
            response = th_api.get(f"{TECHAVEN}/wishlist")
        assert response.json()["data"]["total_items"] == n


@pytest.mark.parametrize(
    ("status", "verified"),
    [("delivered", True), ("completed", True), ("shipped", False), ("paid", False)],
)
def test_a_review_is_a_verified_purchase_only_once_the_product_reached_the_buyer(
    th_api, th_user, status, verified
):
    product = ProductFactory()
    OrderItemFactory(order=OrderFactory(buyer=th_user, status=status), product=product)
    OrderItemFactory(order=OrderFactory(status="delivered"), product=product)  # someone else's

    response = th_api.post(f"{TECHAVEN}/products/{product.pk}/reviews", {"rating": 5})

    assert response.status_code == 201
    assert Review.objects.get(user=th_user).is_verified_purchase is verified
    listed = th_api.get(f"{TECHAVEN}/products/{product.pk}/reviews").json()["data"]["reviews"]
    assert listed[0]["is_verified_purchase"] is verified


# --- decisions the document leaves open (docs/decisions.md, Catalog) ---------------------


def test_rating_on_cards_detail_shop_and_summary_agree(api):
    shop = ShopFactory()
    product = ProductFactory(shop=shop)
    for rating in (5, 5, 4, 3):  # 4.25: DRF alone would show 4.2 on the card
        client = th_client(TechavenUserFactory())
        url = f"{TECHAVEN}/products/{product.pk}/reviews"
        assert client.post(url, {"rating": rating}, format="json").status_code == 201

    card = api.get(f"{TECHAVEN}/products").json()["data"]["products"][0]
    detail = api.get(f"{TECHAVEN}/products/{product.pk}").json()["data"]
    summary = api.get(f"{TECHAVEN}/products/{product.pk}/reviews").json()["data"]["summary"]
    shop_card = api.get(f"{TECHAVEN}/shops").json()["data"]["shops"][0]
    assert card["rating"] == detail["rating"] == summary["average_rating"] == 4.3
    assert detail["vendor"]["rating"] == shop_card["rating"] == 4.3
    assert card["review_count"] == summary["total_reviews"] == shop_card["review_count"] == 4


def test_summary_rounds_like_the_stored_rating(api):
    from django.db import transaction

    product = ProductFactory()
    for rating in [5] * 13 + [4] * 40:  # 225 / 53 = 4.2453: stored 4.25, shown 4.3
        ReviewFactory(product=product, rating=rating)
    with transaction.atomic():
        ratings_refresh(product_id=product.pk)
    product.refresh_from_db()
    assert product.rating == Decimal("4.25")
    card = api.get(f"{TECHAVEN}/products").json()["data"]["products"][0]
    summary = api.get(f"{TECHAVEN}/products/{product.pk}/reviews").json()["data"]["summary"]
    assert card["rating"] == summary["average_rating"] == 4.3


def test_a_hidden_review_still_counts_as_the_users_one_review(th_api, th_user):
    product = ProductFactory()
    url = f"{TECHAVEN}/products/{product.pk}/reviews"
    assert th_api.post(url, {"rating": 1}, format="json").status_code == 201
    review_set_hidden(review=Review.objects.get(user=th_user), hidden=True)

    again = th_api.post(url, {"rating": 5}, format="json")

    assert again.status_code == 409
    assert again.json()["message"] == "You have already reviewed this product."
    listed = th_api.get(url).json()["data"]
    assert listed["reviews"] == [] and listed["summary"]["total_reviews"] == 0
    product.refresh_from_db()
    assert product.rating == 0 and product.review_count == 0


def test_review_images_take_data_urls_and_are_stored_under_the_review_id(th_api):
    product = ProductFactory()
    data_url = f"data:image/png;base64,{png_base64()}"
    response = th_api.post(
        f"{TECHAVEN}/products/{product.pk}/reviews",
        {"rating": 5, "images": [data_url, png_base64()]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    review = Review.objects.get()
    names = [i.image.name for i in review.images.order_by("position")]
    assert names == [f"reviews/{review.uid}_1.png", f"reviews/{review.uid}_2.png"]


def test_verified_purchase_is_decided_when_the_review_is_written(th_api, th_user):
    product = ProductFactory()
    order = OrderFactory(buyer=th_user, status="shipped")
    OrderItemFactory(order=order, product=product)
    url = f"{TECHAVEN}/products/{product.pk}/reviews"
    assert th_api.post(url, {"rating": 5}).status_code == 201
    order.status = "delivered"
    order.save(update_fields=["status"])
    review = th_api.get(url).json()["data"]["reviews"][0]
    assert review["is_verified_purchase"] is False


def test_reviews_list_newest_first(api):
    from datetime import timedelta

    from django.utils import timezone

    product = ProductFactory()
    now = timezone.now()
    ReviewFactory(product=product, title="old", created_at=now - timedelta(days=2))
    ReviewFactory(product=product, title="new", created_at=now - timedelta(days=1))
    reviews = api.get(f"{TECHAVEN}/products/{product.pk}/reviews").json()["data"]["reviews"]
    assert [r["title"] for r in reviews] == ["new", "old"]


def test_wishlist_keeps_a_switched_off_product_and_drops_a_deleted_one(th_api, th_user):
    off = ProductFactory(name="off")
    gone = ProductFactory(name="gone")
    for product in (off, gone):
        th_api.post(f"{TECHAVEN}/wishlist", {"product_id": product.pk}, format="json")
    product_update(product=off, changes={"is_active": False})
    product_soft_delete(product=gone)

    data = th_api.get(f"{TECHAVEN}/wishlist").json()["data"]

    assert data["total_items"] == 1
    assert data["items"][0]["product"]["name"] == "off"
    assert data["items"][0]["product"]["is_in_stock"] is False
    assert not WishlistItem.objects.filter(product=gone).exists()


def test_only_listed_products_can_be_added_to_the_wishlist(th_api):
    from tests.factories.catalog import CryptoShopProductFactory

    for product in (
        ProductFactory(is_active=False),
        ProductFactory(shop=ShopFactory(is_active=False)),
        CryptoShopProductFactory(),
    ):
        response = th_api.post(f"{TECHAVEN}/wishlist", {"product_id": product.pk}, format="json")
        assert response.status_code == 404
    assert not WishlistItem.objects.exists()


def test_a_rating_sent_as_digits_is_fine(th_api):
    product = ProductFactory()
    response = th_api.post(f"{TECHAVEN}/products/{product.pk}/reviews", {"rating": "4"})
    assert response.status_code == 201 and response.json()["data"]["rating"] == 4


def test_products_that_are_not_listed_take_no_reviews(th_api):
    for product in (
        ProductFactory(is_active=False),
        ProductFactory(shop=ShopFactory(is_active=False)),
    ):
        url = f"{TECHAVEN}/products/{product.pk}/reviews"
        assert th_api.post(url, {"rating": 5}).status_code == 404
        assert th_api.get(url).status_code == 404
    assert not Review.objects.exists()


def test_wishlist_lists_the_latest_addition_first(th_api):
    first, second = ProductFactory(name="first"), ProductFactory(name="second")
    for product in (first, second):
        th_api.post(f"{TECHAVEN}/wishlist", {"product_id": product.pk}, format="json")
    items = th_api.get(f"{TECHAVEN}/wishlist").json()["data"]["items"]
    assert [i["product"]["name"] for i in items] == ["second", "first"]
