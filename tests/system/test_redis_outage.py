"""When Redis does not answer: the catalog keeps serving (its page cache and cached counts
are built as if there were none, rate limits are not counted), and sign-in refuses with a
503 in the storefront's format rather than run without the limit that guards passwords
(as does anything else that cannot go on without Redis)."""

import pytest
from django.test.utils import override_settings

from tests.conftest import CRYPTOSHOP, TECHAVEN
from tests.factories.catalog import CryptoShopProductFactory, ProductFactory

pytestmark = pytest.mark.django_db

DEAD_REDIS = {
    "default": {"BACKEND": "core.cache.SharedRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}


def test_the_catalog_serves_and_sign_in_refuses_while_redis_is_down(api):
    ProductFactory(name="Galaxy S23")
    CryptoShopProductFactory(name="VPN Subscription")
    with override_settings(CACHES=DEAD_REDIS, RATELIMIT_ENABLED=True):
        products = api.get(f"{TECHAVEN}/products")
        assert products.status_code == 200
        assert products.json()["data"]["products"][0]["name"] == "Galaxy S23"
        assert "X-RateLimit-Remaining" not in products
        assert api.get(f"{CRYPTOSHOP}/products").json()["data"][0]["name"] == "VPN Subscription"

        login = api.post(
            f"{TECHAVEN}/auth/login", {"email": "a@example.mw", "password": "x"}, format="json"
        )
        assert login.status_code == 503
        assert login.json() == {
            "success": False,
            "message": "The service is unavailable for a moment. Please try again shortly.",
            "errors": {},
        }
