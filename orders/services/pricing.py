"""Totals are computed here from database prices, never taken from the client."""

from __future__ import annotations

from dataclasses import dataclass

from core.money import Currency, Money

from .. import conf


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal: int
    discount: int
    shipping: int
    tax: int
    total: int


def totals_for(*, storefront: str, currency: str, subtotal: int, discount: int = 0) -> Totals:
    """Subtotal less discount, plus shipping (flat, unless free from a threshold) and tax."""
    discount = min(discount, subtotal)
    net = subtotal - discount
    shipping = 0
    if subtotal > 0:
        shipping = conf.shipping_flat_fee_minor(storefront)
        threshold = conf.free_shipping_threshold_minor(storefront)
        if threshold is not None and net >= threshold:
            shipping = 0
    tax = Money(net, Currency(currency)).percent(conf.tax_rate_percent(storefront)).amount_minor
    return Totals(subtotal, discount, shipping, tax, net + shipping + tax)
