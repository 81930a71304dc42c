"""Demo wallets (idempotent): the demo Techaven user's MWK wallet topped up through the
sandbox page's own path and used for an order; the demo CryptoShop user's BTC wallet funded
by a sandbox-chain deposit. Nothing happens where the sandboxes are switched off."""

from __future__ import annotations

from accounts.models import Address, User
from catalog.models import Product
from core.money import format_mwk, minor_to_decimal
from core.storefront import Storefront
from orders.models import CartItem
from orders.services.cart import cart_get_or_create
from orders.services.checkout import order_checkout

from .chain import sandbox_chain_enabled
from .conf import payments_sandbox_enabled
from .models import Account, Entry
from .sandbox import sandbox_decide
from .sandbox_chain import sandbox_blocks_mine, sandbox_deposit_broadcast
from .services import topup_start, wallet_account
from .services.btc import btc_wallet_create, deposits_scan

TOPUPS = [(1_500_000, "+265991234567", True), (250_000, "+265881234567", True),
          (40_000, "+265991234567", False)]  # fmt: skip
DEPOSITS_SAT = [2_000_000, 250_000]  # 0.02 and 0.0025 BTC


def seed() -> list[str]:
    return _techaven() + _cryptoshop()


def _techaven() -> list[str]:
    user = User.objects.filter(storefront=Storefront.TECHAVEN, username="th_demo").first()
    if user is None or not payments_sandbox_enabled():
        return []
    wallet = wallet_account(user=user, currency="MWK")
    if not Entry.objects.filter(account=wallet).exists():
        for amount, phone, approve in TOPUPS:
            attempt = topup_start(user=user, amount_minor=amount, phone_number=phone)
            sandbox_decide(reference=attempt.reference, approve=approve)
        _order_paid_from_wallet(user)
        wallet.refresh_from_db()
    return [f"Techaven demo wallet: {format_mwk(wallet.balance_minor)}"]


def _order_paid_from_wallet(user) -> None:
    product = (
        Product.objects.filter(storefront=Storefront.TECHAVEN, is_active=True,
                               deleted_at__isnull=True, stock_quantity__gte=1,
                               price_minor__lte=900_000)
        .order_by("price_minor", "pk").first()
    )  # fmt: skip
    address = Address.objects.filter(user=user).first()
    if product is None or address is None:
        return
    CartItem.objects.filter(cart__user=user).delete()
    CartItem.objects.create(cart=cart_get_or_create(user=user), product=product, quantity=1)
    order_checkout(
        user=user,
        shipping_address_uid=address.uid,
        payment_method_uid="wallet",
        notes="Demo order paid from the wallet",
    )


def _cryptoshop() -> list[str]:
    user = User.objects.filter(storefront=Storefront.CRYPTOSHOP, username="cryptodemo").first()
    if user is None:
        return []
    wallet = Account.objects.filter(user=user, currency="BTC").first()
    if wallet is None:
        wallet = btc_wallet_create(user=user)
    if sandbox_chain_enabled() and not Entry.objects.filter(account=wallet).exists():
        for amount in DEPOSITS_SAT:
            sandbox_deposit_broadcast(address=wallet.deposit_address, amount_sat=amount)
        sandbox_blocks_mine(count=3)
        deposits_scan()  # at once, also where Celery is not eager
        wallet.refresh_from_db()
    return [
        f"CryptoShop demo wallet: {minor_to_decimal(wallet.balance_minor, 'BTC')} BTC, deposit "
        f"address {wallet.deposit_address} (send to it at /pay/sandbox/btc/)"
    ]
