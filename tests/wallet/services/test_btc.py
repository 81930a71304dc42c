"""The CryptoShop BTC wallet's services (wallet/services/btc.py)."""

from __future__ import annotations

import pytest

from accounts.services.cryptoshop_auth import cryptoshop_user_register
from wallet import bitcoin
from wallet.services.btc import btc_network, btc_wallet_create, operator_xpub

pytestmark = pytest.mark.django_db


def test_each_new_wallet_takes_the_next_derivation_index():
    wallets = [btc_wallet_create(user=cryptoshop_user_register().user) for _ in range(3)]
    assert [w.address_index for w in wallets] == [0, 1, 2]
    assert [w.deposit_address for w in wallets] == [
        bitcoin.deposit_address(operator_xpub(), index, btc_network()) for index in range(3)
    ]
