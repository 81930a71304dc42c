"""The storefront order lists' query parameters as FilterSets run by `storefronts.filters`:
`status`, one of each storefront's words, cleaned to the internal statuses it covers."""

from __future__ import annotations

from orders.models import Order
from orders.status_names import CRYPTOSHOP_STATUS_BY_NAME, TECHAVEN_STATUS_FILTER
from storefronts.filters import ParamFilter, ParamFilterSet, WordField

STATUS_MESSAGE = "{name} must be one of: {choices}."


class TechavenOrderFilter(ParamFilterSet):
    status = ParamFilter(
        WordField, words=dict(sorted(TECHAVEN_STATUS_FILTER.items())), message=STATUS_MESSAGE
    )

    class Meta(ParamFilterSet.Meta):
        model = Order


class CryptoShopOrderFilter(ParamFilterSet):
    # the contract's words are upper case; any case is understood
    status = ParamFilter(
        WordField,
        words={word: [status.value] for word, status in CRYPTOSHOP_STATUS_BY_NAME.items()},
        normalize=str.upper,
        message=STATUS_MESSAGE,
    )

    class Meta(ParamFilterSet.Meta):
        model = Order
