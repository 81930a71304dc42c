"""Demo escrows (idempotent): the demo CryptoShop buyer holds one escrow in each of the
document's states, bought from the demo sellers and paid from the demo BTC wallet."""

from __future__ import annotations

from accounts.models import User
from catalog.models import Product
from core.storefront import Storefront
from orders.services.checkout import order_create_from_items
from orders.services.status import order_confirm
from orders.state import Actor
from wallet.models import Account

from .models import Escrow, EscrowStatus
from .services import escrow_create, escrow_dispute, escrow_release, escrow_resolve

CODE = "demo-release-code"


def seed() -> list[str]:
    buyer = User.objects.filter(storefront=Storefront.CRYPTOSHOP, username="cryptodemo").first()
    wallet = Account.objects.filter(user=buyer, currency="BTC").first() if buyer else None
    if buyer is None or wallet is None or wallet.balance_minor == 0:
        return []
    if not Escrow.objects.filter(buyer=buyer).exists():
        _seed(buyer)
    states = sorted(set(Escrow.objects.filter(buyer=buyer).values_list("status", flat=True)))
    return [f"CryptoShop demo escrows: {', '.join(states)} (release code {CODE})"]


def _seed(buyer) -> None:
    products = list(
        Product.objects.filter(storefront=Storefront.CRYPTOSHOP, is_active=True,
                               deleted_at__isnull=True, stock_quantity__gte=1)
        .exclude(shop__owner=buyer).exclude(shop__owner__isnull=True)
        .select_related("shop__owner").order_by("price_minor", "pk")
    )  # fmt: skip
    staff = User.objects.filter(is_superuser=True, is_active=True).first()
    if not products or staff is None:
        return
    for i, state in enumerate(["RELEASED", "CONFIRMED", "FUNDED", "DISPUTED", "REFUNDED"]):
        product = products[i % len(products)]
        escrow = _escrow_for(buyer, product, quantity=1)
        if escrow.status != EscrowStatus.FUNDED:
            continue  # the demo wallet ran short
        seller = product.shop.owner
        if state in ("CONFIRMED", "RELEASED"):
            order_confirm(order_id=escrow.order_id, actor=Actor.SELLER, user=seller)
        if state == "RELEASED":
            escrow_release(user=buyer, escrow_uid=escrow.uid, release_code=CODE)
        if state in ("DISPUTED", "REFUNDED"):
            escrow_dispute(user=buyer, escrow_uid=escrow.uid, reason="The key does not work")
        if state == "REFUNDED":
            escrow_resolve(
                escrow_id=escrow.pk,
                action=Escrow.Resolution.REFUND,
                staff_user=staff,
                reason="The seller could not deliver a working key",
            )
    # the last one waits for a deposit: more than the wallet holds
    priciest = products[-1]
    left = Account.objects.get(user=buyer, currency="BTC").balance_minor
    quantity = left // priciest.price_minor + 1
    if quantity <= priciest.stock_quantity:
        _escrow_for(buyer, priciest, quantity=quantity)


def _escrow_for(buyer, product: Product, *, quantity: int) -> Escrow:
    order = order_create_from_items(user=buyer, items=[(product.uid, quantity)])
    return escrow_create(user=buyer, order_uid=order.uid, release_code=CODE)
