"""Helpers of tests.catalog.conftest (not fixtures)."""

import base64
import io

import pytest
from django.conf import settings
from PIL import Image
from rest_framework.test import APIClient

from accounts.services.sessions import techaven_session_start
from accounts.tokens import token_hash
from tests.factories.accounts import CryptoShopUserFactory

needs_postgres = pytest.mark.skipif(
    not settings.USES_POSTGRES, reason="PostgreSQL full-text search and trigram similarity"
)


def th_client(user) -> APIClient:
    """A Techaven client with a live session's access token.

    simplejwt writes `user_id` as a string while `TechavenJWTAuthentication` compares it
    with the integer pk; until the foundation settles that, the token carries both forms'
    worth by holding the integer (reported to the lead)."""
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import LoginSession
    from core.storefront import Storefront

    pair = techaven_session_start(user=user)
    token = AccessToken(pair.access_token)
    if token["user_id"] != user.pk:
        session = LoginSession.objects.filter(
            user=user, storefront=Storefront.TECHAVEN, expires_at__gt=timezone.now()
        ).latest("pk")
        token = AccessToken.for_user(user)
        token["sf"] = Storefront.TECHAVEN.value
        token["sid"] = session.uid
        token["user_id"] = user.pk
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


_TOKEN_SEQ = iter(range(10**6))


def cs_client(user=None) -> tuple[APIClient, object]:
    """A CryptoShop client signed in with a plain access token (no 2FA)."""
    token = f"cs_test{next(_TOKEN_SEQ):08d}_catalog-test-token"
    if user is None:
        user = CryptoShopUserFactory()
    user.access_token_hash = token_hash(token)
    user.save(update_fields=["access_token_hash"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client, user


def png_bytes(size=(8, 8), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def png_base64() -> str:
    return base64.b64encode(png_bytes()).decode()


def admin_product_form(product, **changes) -> dict:
    """The admin's product change form as the browser posts it, with `changes` applied."""
    data = {
        "storefront": product.storefront, "shop": product.shop_id,
        "category": product.category_id or "", "name": product.name, "slug": product.slug,
        "description": product.description, "currency": product.currency,
        "price_minor": product.price_minor, "stock_quantity": product.stock_quantity,
        "initial-stock_quantity": product.stock_quantity,  # the stock the page showed
        "specifications": "{}", "tags": "[]", "brand": "", "delivery_time": "",
        "download_url": "", "is_active": "on",
        "images-TOTAL_FORMS": "0", "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0", "images-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    data.update(changes)
    return data
