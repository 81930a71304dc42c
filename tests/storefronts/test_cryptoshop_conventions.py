import pytest

from tests.conftest import CRYPTOSHOP

pytestmark = pytest.mark.django_db


def test_register_creates_an_anonymous_account_and_shows_its_token_once(api):
    response = api.post(f"{CRYPTOSHOP}/auth/register", {}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True
    data = body["data"]
    assert data["id"].startswith("user_")
    assert data["accessToken"].startswith("cs_")
    assert data["username"].startswith("user_")
    assert data["twoFactorEnabled"] is False
    assert response["X-RateLimit-Limit"] == "100"


def test_unknown_path_answers_404_in_cryptoshop_format(api):
    response = api.get(f"{CRYPTOSHOP}/no/such/thing")
    assert response.status_code == 404
    assert response.json() == {
        "success": False,
        "error": "Endpoint not found",
        "code": "RESOURCE_NOT_FOUND",
        "details": {},
    }


def test_wrong_method_answers_405_in_cryptoshop_format(api):
    response = api.get(f"{CRYPTOSHOP}/auth/register")
    assert response.status_code == 405
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"


def test_an_idempotent_retry_signs_up_again_instead_of_replaying_the_token(api):
    """Issue 12, finding 7: the access token is never kept for a replay (docs/decisions.md,
    "Answers with credentials are never kept"); the retry opens a second account."""
    from storefronts.models import IdempotencyRecord

    first = api.post(f"{CRYPTOSHOP}/auth/register", {}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = api.post(f"{CRYPTOSHOP}/auth/register", {}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert again.json()["data"]["accessToken"] != first.json()["data"]["accessToken"]
    assert first["Cache-Control"] == "no-store"
    assert not IdempotencyRecord.objects.exists()
