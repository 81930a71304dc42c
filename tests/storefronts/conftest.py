import pytest

from accounts.services.cryptoshop_auth import cryptoshop_user_register
from tests.helpers import urls as test_urls


@pytest.fixture
def cs_account(db):
    return cryptoshop_user_register()


@pytest.fixture
def calls():
    """What the test-only counter endpoint really ran."""
    test_urls.CALLS.clear()
    yield test_urls.CALLS
    test_urls.CALLS.clear()
