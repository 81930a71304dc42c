"""The storefront order lists' query parameters as FilterSets run by `storefronts.filters`:
`status`, one of each storefront's words, cleaned to the internal statuses it covers; and the
buyer's order list both storefronts page through with it (`buyer_orders_page`)."""

from __future__ import annotations

from collections.abc import Callable

from core.paging import Page
from orders.models import Order
from orders.status_names import CRYPTOSHOP_STATUS_BY_NAME, TECHAVEN_STATUS_FILTER
from storefronts.filters import ParamFilter, ParamFilterSet, WordField, filter_params

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


def buyer_orders_page(
    view, filterset: type[ParamFilterSet], orders_page: Callable[..., Page]
) -> Page:
    """A storefront's order list: the page of the signed-in buyer's orders (`orders_page`,
    the storefront's selector) in the statuses the `status` parameter names."""
    page_no, limit = view.page_params()
    statuses = filter_params(filterset, view.request.query_params).form.cleaned_data["status"]
    return orders_page(user=view.request.user, statuses=statuses, page=page_no, limit=limit)
