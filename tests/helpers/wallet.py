"""Helpers of tests.wallet.conftest (not fixtures)."""

from __future__ import annotations

from tests.conftest import TECHAVEN
from wallet.models import Account
from wallet.sandbox import sandbox_decide
from wallet.services import topup_start


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
