"""Fixtures only the notifications tests use."""

import pytest

from accounts.services.cryptoshop_auth import cryptoshop_user_register
from tests.helpers.events import Account


@pytest.fixture
def cs_account(db) -> Account:
    """A fresh CryptoShop account as `.user` and `.token` (overrides the shared `cs_account`
    of tests.fixtures.cryptoshop, which answers `.access_token`)."""
    account = cryptoshop_user_register()
    return Account(user=account.user, token=account.access_token)
