"""Malawian mobile numbers (MACRA numbering plan, as in libphonenumber's metadata for MW).

A mobile number is +265 followed by 9 digits starting with a mobile range:
Airtel 99 and 98; TNM 88, 89 and 31; GAIN 77. Local spellings (0991234567,
265991234567, with spaces or dashes) are accepted and normalised to +265....
"""

from __future__ import annotations

import re

AIRTEL = "airtel"
TNM = "tnm"
GAIN = "gain"

MOBILE_RANGES = {
    "99": AIRTEL,
    "98": AIRTEL,
    "88": TNM,
    "89": TNM,
    "31": TNM,
    "77": GAIN,
}

_SEPARATORS = re.compile(r"[\s\-().]")
_NATIONAL = re.compile(r"^\d{9}$")


def normalise_mobile(value: str) -> str | None:
    """`0991234567` / `+265 99 123 4567` -> `+265991234567`; None when not a Malawian mobile."""
    raw = _SEPARATORS.sub("", value or "")
    if raw.startswith("+265"):
        national = raw[4:]
    elif raw.startswith("00265"):
        national = raw[5:]
    elif raw.startswith("265") and len(raw) == 12:
        national = raw[3:]
    elif raw.startswith("0") and len(raw) == 10:
        national = raw[1:]
    else:
        return None
    if not _NATIONAL.match(national) or national[:2] not in MOBILE_RANGES:
        return None
    return f"+265{national}"


def mobile_network(number: str) -> str | None:
    """The network a normalised number was allocated to (`airtel`, `tnm`, `gain`)."""
    if not number.startswith("+265") or len(number) != 13:
        return None
    return MOBILE_RANGES.get(number[4:6])
