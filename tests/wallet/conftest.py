"""Fixtures of the wallet tests: Techaven buyers with funded wallets, through the real top-up
path (the sandbox page's decision and its signed callback)."""

from __future__ import annotations

from tests.cryptoshop.conftest import cs_account, cs_two_factor  # noqa: F401
from tests.orders.conftest import (  # noqa: F401 (the orders tests' fixtures, reused)
    TECHAVEN,
    add_to_cart,
    address,
    buyer,
    checkout,
    cs_buyer,
    pay_method,
    placed,
    product,
    shop,
    th,
)
from tests.payments.conftest import callbacks_lost  # noqa: F401
from wallet.models import Account
from wallet.sandbox import sandbox_decide
from wallet.services import topup_start

__all__ = ["TECHAVEN"]


def fund(user, amount_minor: int, phone: str = "+265991234567") -> Account:
    """Top `user`'s MWK wallet up by `amount_minor`, approved on the sandbox page."""
    attempt = topup_start(user=user, amount_minor=amount_minor, phone_number=phone)
    sandbox_decide(reference=attempt.reference, approve=True)
    return Account.objects.get(user=user, currency="MWK")


def topup(client, amount=10_000, phone="+265991234567", **extra):
    body = {"amount": amount, "payment_method": "mobile_money", "phone_number": phone, **extra}
    return client.post(f"{TECHAVEN}/wallet/topup", body, format="json")


def pay_with_wallet(client, shipping_address):
    return client.post(
        f"{TECHAVEN}/orders",
        {"shipping_address_id": f"addr_{shipping_address.uid}", "payment_method_id": "wallet"},
        format="json",
    )
