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
