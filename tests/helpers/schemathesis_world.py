"""The users and objects the Schemathesis gate addresses, built inside the server's database
(`manage.py shell -c "…build(n)"`) after `seed_demo`, printed as one JSON line.

Every operation is reached with a 2xx at least once; the ones whose valid requests a
generator cannot guess (an e-mailed code, a TOTP, a seller's own product, an escrow in a
given state) get them from here, as values the gate's explicit examples name in braces.
Each such example acts as a user of its own, so that the generated cases run before it (a
wrong release code five times, orders up to the unpaid cap) cannot spoil it.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.utils import timezone

from accounts.models import EmailOTP, User
from accounts.services.cryptoshop_auth import cryptoshop_2fa_setup, cryptoshop_user_register
from accounts.services.otp import otp_issue
from accounts.services.sessions import techaven_session_start
from accounts.services.techaven_auth import ResetGrant, techaven_otp_verify
from accounts.tokens import otp_hash
from catalog.models import Product
from core.storefront import Storefront
from escrow.services import escrow_create
from orders.services.cart import cart_add_item
from orders.services.checkout import order_create_from_items
from support.models import HelpArticle
from tests.factories.accounts import AddressFactory
from tests.factories.catalog import CryptoShopProductFactory, CryptoShopSellerFactory
from tests.helpers.orders import fund_btc
from tests.helpers.wallet import fund
from wallet.services.btc import btc_wallet_create, btc_wallet_set_payout_address

PASSWORD = "fresh-password-1234"
OTP = "246810"
RELEASE_CODE = "gate-release-code"


def _techaven_user(name: str, *, verified: bool = True) -> User:
    user = User.objects.create(
        storefront=Storefront.TECHAVEN,
        username=name,
        email=f"{name}@example.com",
        full_name="Fresh User",
        email_verified_at=timezone.now() if verified else None,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def _known_otp(user: User, purpose: str) -> None:
    """An outstanding code of `purpose` whose digits we know (the real one is e-mailed)."""
    otp = otp_issue(user=user, purpose=purpose)
    EmailOTP.objects.filter(pk=otp.pk).update(code_hash=otp_hash(user.pk, purpose, OTP))


def _cryptoshop_user() -> tuple[User, str]:
    account = cryptoshop_user_register()
    return account.user, account.access_token


def _techaven(values: dict[str, str]) -> None:
    otp_user = _techaven_user("st_otp", verified=False)
    _known_otp(otp_user, EmailOTP.Purpose.SIGNUP)
    values.update(otp_email=otp_user.email, otp=OTP)

    reset_user = _techaven_user("st_reset")
    _known_otp(reset_user, EmailOTP.Purpose.PASSWORD_RESET)
    grant = techaven_otp_verify(
        email=reset_user.email, code=OTP, purpose=EmailOTP.Purpose.PASSWORD_RESET
    )
    assert isinstance(grant, ResetGrant)
    values.update(reset_email=reset_user.email, reset_token=grant.reset_token)

    buyer = _techaven_user("st_buyer")
    product = (
        Product.objects.filter(
            storefront=Storefront.TECHAVEN, is_active=True, stock_quantity__gte=1
        )
        .order_by("price_minor", "pk")
        .first()
    )
    cart_add_item(user=buyer, product_id=product.pk, quantity=1)
    fund(buyer, product.price_minor * 2)
    address = AddressFactory(user=buyer)
    values.update(
        th_buyer=techaven_session_start(user=buyer).access_token,
        th_address=f"addr_{address.uid}",
    )
    article = HelpArticle.objects.filter(topic__storefront=Storefront.TECHAVEN).first()
    values["article_slug"] = article.slug


def _cryptoshop(values: dict[str, str]) -> None:
    two_factor, values["cs_2fa"] = _cryptoshop_user()
    values["cs_2fa_secret"] = cryptoshop_2fa_setup(user=two_factor).secret

    seller, values["cs_seller"] = _cryptoshop_user()
    shop = CryptoShopSellerFactory(owner=seller, name="Gate Seller")
    to_edit, to_delete = CryptoShopProductFactory.create_batch(2, shop=shop)
    values.update(
        cs_seller_id=f"seller_{shop.uid}",
        cs_product_to_edit=f"product_{to_edit.uid}",
        cs_product_to_delete=f"product_{to_delete.uid}",
    )

    # a buyer with BTC: one order awaiting its escrow, two escrows to release and dispute
    buyer, values["cs_buyer"] = _cryptoshop_user()
    fund_btc(buyer, 10_000_000)
    product = CryptoShopProductFactory(shop=shop, stock_quantity=10, price_minor=100_000)
    values["cs_product"] = f"product_{product.uid}"
    orders = [order_create_from_items(user=buyer, items=[(product.uid, 1)]) for _ in range(3)]
    values["cs_order"] = f"order_{orders[0].uid}"
    escrows = [
        escrow_create(user=buyer, order_uid=order.uid, release_code=RELEASE_CODE)
        for order in orders[1:]
    ]
    values.update(
        cs_escrow_to_release=f"escrow_{escrows[0].uid}",
        cs_escrow_to_dispute=f"escrow_{escrows[1].uid}",
        release_code=RELEASE_CODE,
    )
    _orderer, values["cs_orderer"] = _cryptoshop_user()

    # a wallet to withdraw from, and another valid address of the chain to pay out to
    withdrawer, values["cs_withdrawer"] = _cryptoshop_user()
    fund_btc(withdrawer, 1_000_000)
    other, _ = _cryptoshop_user()
    values["btc_address"] = btc_wallet_create(user=other).deposit_address
    btc_wallet_set_payout_address(user=withdrawer, address=values["btc_address"])
    values["amount_btc"] = str(Decimal("0.001"))


def build(fresh: int) -> None:
    """Print `USERS=<json>`: fresh users per storefront (password `PASSWORD`), the demo
    Techaven user's tokens, and the `values` the explicit examples name."""
    out: dict = {"techaven": [], "cryptoshop": [], "values": {}}
    demo = User.objects.get(storefront=Storefront.TECHAVEN, email="demo@techaven.mw")
    out["demo"] = techaven_session_start(user=demo).access_token
    out["values"]["refresh"] = techaven_session_start(user=demo).refresh_token
    for i in range(fresh):
        user = _techaven_user(f"st_th_{i}")
        out["techaven"].append(techaven_session_start(user=user).access_token)
        out["cryptoshop"].append(_cryptoshop_user()[1])
    _techaven(out["values"])
    _cryptoshop(out["values"])
    print("USERS=" + json.dumps(out))
