"""Exact money: integer minor units plus a currency (BRIEF decision 2).

MWK is held in whole kwacha, BTC in satoshis, EUR in cents. Decimal appears only
at the API edge, converted exactly; no float ever holds money.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum


class Currency(StrEnum):
    MWK = "MWK"
    BTC = "BTC"
    EUR = "EUR"

    @property
    def exponent(self) -> int:
        return _EXPONENTS[self]


_EXPONENTS = {Currency.MWK: 0, Currency.BTC: 8, Currency.EUR: 2}


class MoneyError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Money:
    amount_minor: int
    currency: Currency

    def __post_init__(self) -> None:
        if not isinstance(self.amount_minor, int) or isinstance(self.amount_minor, bool):
            raise MoneyError("amount_minor must be an int")

    @classmethod
    def zero(cls, currency: Currency) -> Money:
        return cls(0, currency)

    @classmethod
    def from_decimal(cls, value: Decimal | int | str, currency: Currency) -> Money:
        """Exact conversion from major units; refuses values finer than the currency allows."""
        try:
            dec = Decimal(str(value))
        except InvalidOperation as exc:
            raise MoneyError(f"not a number: {value!r}") from exc
        if not dec.is_finite():
            raise MoneyError("not a finite number")
        scaled = dec.scaleb(currency.exponent)
        if scaled != scaled.to_integral_value():
            raise MoneyError(f"{currency} has at most {currency.exponent} decimal places")
        return cls(int(scaled), currency)

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.amount_minor).scaleb(-self.currency.exponent)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def __mul__(self, factor: int) -> Money:
        if not isinstance(factor, int):
            raise MoneyError("money is multiplied by whole numbers only")
        return Money(self.amount_minor * factor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount_minor, self.currency)

    def percent(self, pct: Decimal | int) -> Money:
        """`pct` percent of this amount, rounded half up to the currency's unit."""
        value = (Decimal(self.amount_minor) * Decimal(pct) / 100).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
        return Money(int(value), self.currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise MoneyError(f"cannot mix {self.currency} and {other.currency}")


def minor_to_decimal(amount_minor: int, currency: Currency | str) -> Decimal:
    return Money(int(amount_minor), Currency(currency)).decimal


def format_amount(amount_minor: int, currency: Currency | str, *, signed: bool = False) -> str:
    """`75,000 MWK`, `0.00250000 BTC` (`+0.00250000 BTC` when `signed`): every decimal the
    currency has and thousands grouped, as staff screens write amounts to compare them."""
    sign = "+" if signed else ""
    return f"{minor_to_decimal(amount_minor, currency):{sign},} {currency}"


def format_mwk(amount_minor: int) -> str:
    """Techaven's way of writing kwacha: `MK 50,000` (`MK 0` when empty, `-MK 500` below)."""
    sign = "-" if amount_minor < 0 else ""
    return f"{sign}MK {abs(amount_minor):,}"
