"""`{{ amount_minor|money:currency }}` → "75,000 MWK", "0.00250000 BTC"."""

from django import template

from core.money import format_amount

register = template.Library()


@register.filter
def money(amount_minor: int | None, currency: str) -> str:
    if amount_minor is None:
        return ""
    return format_amount(amount_minor, currency)
