"""`storefronts.filters`: a FilterSet's invalid parameters become one validation error,
in parameter order, with messages naming the parameter."""

import pytest
from django.http import QueryDict
from rest_framework.exceptions import ValidationError

from catalog.models import Product
from storefronts.filters import (
    BooleanWordField,
    NonNegativeDecimalField,
    ParamFilter,
    ParamFilterSet,
    WordField,
    filter_params,
)


class ExampleFilter(ParamFilterSet):
    low = ParamFilter(NonNegativeDecimalField)
    high = ParamFilter(NonNegativeDecimalField)
    sort = ParamFilter(
        WordField, words={"a": "x", "b": "y"}, default="a", message="{name} is one of {choices}."
    )
    kind = ParamFilter(
        WordField, words={"k": "k"}, blank_is_word=True, message='"{value}" is not a valid choice.'
    )
    flag = ParamFilter(BooleanWordField)

    ranges = (("low", "high"),)

    class Meta(ParamFilterSet.Meta):
        model = Product
        fields: list[str] = []


def errors(query: str) -> dict:
    with pytest.raises(ValidationError) as caught:
        filter_params(ExampleFilter, QueryDict(query))
    return {k: [str(m) for m in v] for k, v in caught.value.detail.items()}


def test_cleaned_values_and_defaults():
    cleaned = filter_params(ExampleFilter, QueryDict("low=1&sort=b&flag=YES")).form.cleaned_data
    assert cleaned == {"low": 1, "high": None, "sort": "y", "kind": None, "flag": True}
    assert filter_params(ExampleFilter, QueryDict("")).form.cleaned_data["sort"] == "x"


def test_errors_name_the_parameter_in_parameter_order():
    found = errors("sort=c&high=1&low=2&flag=maybe")
    assert list(found) == ["low", "sort", "flag"]  # the range check reports at its place
    assert found == {
        "low": ["low cannot be greater than high."],
        "sort": ["sort is one of a, b."],
        "flag": ["flag must be true or false."],
    }
    assert errors("low=abc&high=-1") == {
        "low": ["low must be a number."],
        "high": ["high cannot be negative."],
    }
    assert errors("kind=") == {"kind": ['"" is not a valid choice.']}


class MethodFilter(ParamFilterSet):
    cheap = ParamFilter(BooleanWordField, method="filter_cheap")

    class Meta(ParamFilterSet.Meta):
        model = Product

    def filter_cheap(self, qs, name, value):
        self.seen = value
        return qs.filter(price_minor__lt=100) if value else qs


def test_each_filterset_has_its_own_filters_and_one_form_class():
    first = filter_params(MethodFilter, QueryDict("cheap=true"))
    second = filter_params(MethodFilter, QueryDict("cheap=false"))
    # the filters are the instance's own, a method filter calling its own FilterSet...
    assert first.filters["cheap"] is not second.filters["cheap"]
    assert first.filters["cheap"].parent is first
    first.qs, second.qs  # noqa: B018 (runs the filters)
    assert (first.seen, second.seen) == (True, False)
    # ...while the form class, the same for every request, is made once
    assert type(first.form) is type(second.form)
    assert type(first.form) is not type(filter_params(ExampleFilter, QueryDict("")).form)
