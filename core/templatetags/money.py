"""`{{ amount_minor|money:currency }}` → "75,000 MWK", "0.00250000 BTC"."""

from django import template

from core.money import minor_to_decimal

register = template.Library()


@register.filter
def money(amount_minor: int | None, currency: str) -> str:
    if amount_minor is None:
        return ""
    return f"{minor_to_decimal(amount_minor, currency):,} {currency}"
