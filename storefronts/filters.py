"""Query parameters through django-filter: each list states its parameters, their
validation and their cleaning as a FilterSet (in its app's API package), and a view runs
it with `filter_params`, the one place that turns an invalid query into the storefront's
validation error (400, each parameter's message, first invalid parameter first).

The storefronts' messages name the parameter ("min_price must be a number."), so the
fields here read their parameter's name from the form (`ParamForm`) instead of Django's
generic messages. A view either filters its queryset with the FilterSet (`.qs`) or hands
the cleaned values (`cleaned_data`) to the selector that already builds the query."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import django_filters
from django import forms
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError

F = TypeVar("F", bound=django_filters.FilterSet)


class ParamForm(forms.Form):
    """The form of a storefront FilterSet: each field learns the parameter it reads, and
    each (low, high) pair of `ranges` must not be inverted."""

    ranges: tuple[tuple[str, str], ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.param = name  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for low, high in self.ranges:
            lo, hi = cleaned.get(low), cleaned.get(high)
            if lo is not None and hi is not None and lo > hi:
                self.add_error(low, f"{low} cannot be greater than {high}.")
        return cleaned


class ParamField(forms.Field):
    """A parameter read as given (no Django coercion), with messages naming it."""

    param = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def fail(self, message: str, **values: Any) -> forms.ValidationError:
        return forms.ValidationError(message.format(name=self.param, **values))

    def to_python(self, value: Any) -> Any:
        return None if value in (None, "") else self.parse(str(value))

    def parse(self, raw: str) -> Any:
        return raw


class TextField(ParamField):
    """Free text, trimmed; missing is ""."""

    def to_python(self, value: Any) -> str:
        return "" if value is None else str(value).strip()


class RequiredTextField(TextField):
    def validate(self, value: Any) -> None:
        if not value:
            raise self.fail("{name} is required.")


class NonNegativeDecimalField(ParamField):
    def parse(self, raw: str) -> Any:
        try:
            value = Decimal(raw.strip())
        except InvalidOperation:
            raise self.fail("{name} must be a number.") from None
        if not value.is_finite():
            raise self.fail("{name} must be a number.")
        if value < 0:
            raise self.fail("{name} cannot be negative.")
        return value


class WholeNumberField(ParamField):
    def parse(self, raw: str) -> int:
        try:
            return int(raw.strip())
        except ValueError:
            raise self.fail("{name} must be a whole number.") from None


class WordField(ParamField):
    """One of a few words, each standing for a value (`words`: the word → what it means).
    `message` names the choices; `normalize` reads the word (e.g. upper-cased); missing is
    the `default` word's value (or None); with `blank_is_word` an empty value is a word
    too (and no such word is an error)."""

    def __init__(
        self,
        *args: Any,
        words: Mapping[str, Any],
        message: str,
        normalize: Callable[[str], str] = str,
        blank_is_word: bool = False,
        default: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.words = words
        self.default = default
        self.message = message
        self.normalize = normalize
        self.blank_is_word = blank_is_word
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        if value is None or (value == "" and not self.blank_is_word):
            return None if self.default is None else self.words[self.default]
        word = self.normalize(str(value))
        if word not in self.words:
            raise self.fail(self.message, value=value, choices=", ".join(self.words))
        return self.words[word]


class BooleanWordField(ParamField):
    """true/1/yes or false/0/no (any case); missing is false."""

    def to_python(self, value: Any) -> bool:
        raw = ("" if value is None else str(value)).strip().lower()
        if raw in ("", "false", "0", "no"):
            return False
        if raw in ("true", "1", "yes"):
            return True
        raise self.fail("{name} must be true or false.")


class ParamFilter(django_filters.Filter):
    """A storefront parameter read by `field_class` (its options pass through). It filters
    the queryset (`.qs`) only when given a `field_name` or a `method`; otherwise the view
    hands its cleaned value to a selector."""

    def __init__(self, field_class: type[ParamField] = ParamField, **kwargs: Any) -> None:
        self.field_class = field_class
        self.queries = kwargs.get("field_name") is not None or kwargs.get("method") is not None
        super().__init__(**kwargs)

    def __deepcopy__(self, memo: dict) -> ParamFilter:
        # every FilterSet deep-copies its filters (a few hundred objects a list request, its
        # words tables included) though a ParamFilter holds nothing a request changes: a
        # shallow copy, its `method` bound to the copy rather than to the class's filter
        clone = copy.copy(self)
        if self.method is not None:
            clone.method = self.method
        return clone

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        return super().filter(qs, value) if self.queries else qs


def sort_filter(sorts: Mapping[str, Any], **kwargs: Any) -> ParamFilter:
    """A sort parameter: one of `sorts`' words, cleaned to what it stands for."""
    return ParamFilter(WordField, words=sorts, message="{name} must be one of {choices}.", **kwargs)


def order_filter(**kwargs: Any) -> ParamFilter:
    """An `asc`/`desc` parameter, cleaned to `descending`."""
    return ParamFilter(
        WordField,
        words={"asc": False, "desc": True},
        message="{name} must be asc or desc.",
        **kwargs,
    )


class ParamFilterSet(django_filters.FilterSet):
    """A storefront list's parameters (subclasses name their `Meta.model`; its fields are
    only the declared parameters); `ranges`: the (low, high) parameter pairs whose low
    cannot be greater than their high."""

    ranges: tuple[tuple[str, str], ...] = ()

    class Meta:
        form = ParamForm
        fields: list[str] = []

    def get_form_class(self) -> type[ParamForm]:
        # made once per FilterSet class (django-filter makes a new class for every request):
        # its fields are the filters' and these are the same for every request
        form = type(self).__dict__.get("_form_class")
        if form is None:
            form = super().get_form_class()
            form.ranges = self.ranges
            type(self)._form_class = form
        return form


def filter_params(
    filterset_class: type[F], params: Mapping[str, Any], queryset: QuerySet | None = None
) -> F:
    """The FilterSet bound to the query, valid; else the storefront's validation error."""
    filterset = filterset_class(data=params, queryset=queryset)
    if not filterset.is_valid():
        errors = filterset.form.errors
        raise ValidationError(
            {name: list(errors[name]) for name in _in_form_order(errors, filterset.form.fields)}
        )
    return filterset


def _in_form_order(errors: Mapping[str, Any], fields: Iterable[str]) -> list[str]:
    # a cross-field check (`clean`) reports after every field: report in parameter order
    names = [name for name in fields if name in errors]
    return names + [name for name in errors if name not in names]
