"""The escrow list's query parameters as a FilterSet run by `storefronts.filters`."""

from __future__ import annotations

from escrow.models import Escrow, EscrowStatus
from storefronts.filters import ParamFilter, ParamFilterSet, WordField


class EscrowFilter(ParamFilterSet):
    status = ParamFilter(
        WordField,
        field_name="status",
        words={s.value: s.value for s in EscrowStatus},
        message="{name} must be one of: {choices}.",
    )

    class Meta(ParamFilterSet.Meta):
        model = Escrow
