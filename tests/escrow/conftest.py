"""Fixtures of the escrow tests: a CryptoShop seller with a product, a buyer with BTC, an
order awaiting payment, and helpers that call the escrow endpoints."""

from __future__ import annotations

import pytest

from tests.helpers.escrow import (
    create_escrow,
    place_order,
)
from tests.helpers.orders import fund_btc


@pytest.fixture
def order(cs_buyer, cs_product) -> str:
    """An order of 0.0025 BTC (250,000 sat) awaiting payment."""
    return place_order(cs_buyer[1], cs_product)


@pytest.fixture
def funded(cs_buyer, order) -> dict:
    """The order's escrow, funded from the buyer's 1,000,000 sat."""
    fund_btc(cs_buyer[0], 1_000_000)
    response = create_escrow(cs_buyer[1], order)
    assert response.status_code == 201, response.json()
    return response.json()["data"]
