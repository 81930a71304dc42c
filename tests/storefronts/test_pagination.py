"""Pagination parameters: nonsense is a validation error, large limits are capped at 100."""

import pytest
from django.http import QueryDict
from rest_framework.exceptions import ValidationError

from storefronts.pagination import page_params, paginate

LIST = "/cryptoshop/api/test/list"


def params(query: str) -> tuple[int, int]:
    return page_params(QueryDict(query), default_limit=12)


def test_defaults_are_page_1_and_the_storefront_limit():
    assert params("") == (1, 12)
    assert params("page=&limit=") == (1, 12)


def test_a_large_limit_is_capped_at_100():
    assert params("limit=500") == (1, 100)
    assert params("page=3&limit=100") == (3, 100)


@pytest.mark.parametrize(
    "query, field",
    [("page=abc", "page"), ("page=0", "page"), ("limit=-1", "limit"), ("limit=1.5", "limit")],
)
def test_nonsense_is_a_validation_error(query, field):
    with pytest.raises(ValidationError) as caught:
        params(query)
    assert field in caught.value.detail


def test_a_page_past_the_end_is_empty():
    page = paginate(list(range(5)), page=3, limit=2)
    assert list(page.items) == [4]
    past = paginate(list(range(5)), page=4, limit=2)
    assert list(past.items) == [] and past.pages == 3 and past.total == 5


@pytest.mark.django_db
@pytest.mark.urls("tests.helpers.urls")
def test_cryptoshop_lists_render_the_documented_pagination_block(api):
    response = api.get(LIST, {"page": 2, "limit": 24})
    assert response.status_code == 200
    body = response.json()
    assert body["pagination"] == {"page": 2, "limit": 24, "total": 250, "pages": 11}
    assert body["data"][0] == 24
    capped = api.get(LIST, {"limit": 500}).json()["pagination"]
    assert capped["limit"] == 100


@pytest.mark.django_db
@pytest.mark.urls("tests.helpers.urls")
@pytest.mark.parametrize("query", ["page=abc", "page=0", "limit=-1"])
def test_cryptoshop_lists_answer_400_for_nonsense(api, query):
    response = api.get(f"{LIST}?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR"
    assert set(body["details"]) <= {"page", "limit"} and body["details"]
