"""The wallet statement's query parameters as a FilterSet run by `storefronts.filters`."""

from __future__ import annotations

from storefronts.filters import ParamFilter, ParamFilterSet, WordField
from wallet.models import Entry

DIRECTIONS = ["credit", "debit"]


class TransactionFilter(ParamFilterSet):
    # DRF's wording, as the statement has always answered (an empty type is a bad one too)
    type = ParamFilter(
        WordField,
        words={d: d for d in DIRECTIONS},
        message='"{value}" is not a valid choice.',
        blank_is_word=True,
    )

    class Meta(ParamFilterSet.Meta):
        model = Entry
