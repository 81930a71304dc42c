"""Malawian mobile numbers: read and checked by `phonenumbers` (Google's libphonenumber),
the operator that serves a number looked up in Duka's own table.

`normalise_mobile` parses what a person typed with Malawi as the default region (local
spellings such as 0991234567, 265991234567, +265 99 123 4567, with spaces, dashes,
brackets or dots), keeps only a number that libphonenumber's metadata holds for a valid
Malawian *mobile* number and answers it in E.164 (`+265991234567`).

Which operator (and so which mobile-money provider: Airtel Money or TNM Mpamba) a number
belongs to is data, not a rule of the numbering plan: `MOBILE_RANGES`, the MACRA
allocations, read by `mobile_network`. libphonenumber's metadata also lists mobile ranges
that no operator Duka knows serves (MTL's 111, Zero2's 21 and 22): valid numbers without a
network here, which the callers that need a network refuse.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

REGION = "MW"
COUNTRY_CODE = 265

AIRTEL = "airtel"
TNM = "tnm"
GAIN = "gain"

# the two digits after +265 -> the network they were allocated to (MACRA)
MOBILE_RANGES: dict[str, str] = {
    "99": AIRTEL,
    "98": AIRTEL,
    "88": TNM,
    "89": TNM,
    "31": TNM,
    "77": GAIN,
}

_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


def normalise_mobile(value: str) -> str | None:
    """`0991234567` / `+265 99 123 4567` -> `+265991234567`; None when `value` is not a
    valid Malawian mobile number (libphonenumber's metadata for MW)."""
    if not isinstance(value, str) or any(ch.isalpha() for ch in value):
        # letters would be read as a vanity number (ABC -> 2) or an extension ("ext. 5")
        return None
    try:
        number = phonenumbers.parse(value, REGION)
    except NumberParseException:
        return None
    if (
        number.country_code != COUNTRY_CODE
        or number.extension
        or not phonenumbers.is_valid_number_for_region(number, REGION)
        or phonenumbers.number_type(number) not in _MOBILE_TYPES
    ):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def mobile_network(number: str) -> str | None:
    """The network a normalised number was allocated to (`airtel`, `tnm`, `gain`); None
    for another spelling or a range no network here serves."""
    if not number.startswith(f"+{COUNTRY_CODE}") or len(number) != 13:
        return None
    return MOBILE_RANGES.get(number[4:6])


def local_spelling(number: str) -> str:
    """`+265991234567` -> `0991234567`, the national spelling without spaces."""
    parsed = phonenumbers.parse(number, REGION)
    return phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL).replace(" ", "")
