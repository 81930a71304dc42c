"""Failures that never reach DRF still answer in the storefront's format."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict_client():
    # errors are answered, not raised into the test
    return Client(raise_request_exception=False)


def test_disallowed_host_under_techaven_answers_in_techaven_format(strict_client):
    response = strict_client.post("/techaven/api/auth/register", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json() == {"success": False, "message": "Bad request", "errors": {}}


def test_disallowed_host_under_cryptoshop_answers_in_cryptoshop_format(strict_client):
    response = strict_client.get("/cryptoshop/api/products", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json()["code"] == "BAD_REQUEST"


def test_paths_outside_the_storefronts_keep_django_pages(strict_client):
    response = strict_client.get("/nowhere")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
