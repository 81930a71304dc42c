import pytest

from tests.factories.accounts import TechavenUserFactory
from tests.factories.catalog import CryptoShopSellerFactory
from tests.helpers.catalog import (
    cs_client,
    th_client,
)


@pytest.fixture
def th_user():
    return TechavenUserFactory()


@pytest.fixture
def th_api(th_user):
    return th_client(th_user)


@pytest.fixture
def cs_seller():
    """(client, user, shop) for a CryptoShop user with a seller profile."""
    client, user = cs_client()
    shop = CryptoShopSellerFactory(owner=user)
    return client, user, shop


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Every shop has an owner with a password: hash it cheaply in these tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded and generated images go to a throwaway folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
