"""What every staff screen shares.

Records that services write (the ledger, escrows, conversations, sign-in sessions) are shown
read-only: `ReadOnlyAdminMixin` on their ModelAdmin, `ReadOnlyInline` under a parent.

Staff move money through a *decision*: an admin action on one object that opens a form page
of its own, whose submission calls one service. "Release to seller…" on an escrow,
"Mark sent…" on a withdrawal and "Adjust balance…" on an account are all written with
`DecisionAdminMixin`, so they check permissions, refuse and record in the same way; each
ModelAdmin says only what is its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from core.errors import DomainError

# URLs typed without a scheme are taken as https (Django 6's default, chosen now so the
# admin forms behave the same before and after the upgrade)
HTTPS_URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class ReadOnlyAdminMixin:
    """Shown to staff who may view it, written by nobody here: no add, change or delete. What
    it records is written by a service, which checks its rules and publishes its events; a
    correction is a new record (a staff adjustment, a staff decision), never an edit."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AfterWriteAdminMixin:
    """A ModelAdmin whose writes need a follow-up (the catalog drops its cached pages):
    `after_write()` runs after each save and delete it makes, its inlines', list edits'
    and bulk deletes' included, inside the admin's transaction."""

    def after_write(self) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        self.after_write()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        self.after_write()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        self.after_write()

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        super().delete_queryset(request, queryset)
        self.after_write()


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The rows of a read-only record shown under it (an escrow's participants, a ledger
    transaction's entries, a ticket's conversation), with no empty row to fill in."""

    extra = 0
    can_delete = False


class YesNoFilter(admin.SimpleListFilter):
    """A list filter by one condition (`condition`, a Q): "yes" lists the rows that meet it,
    "no" the others; `labels` name the two choices."""

    condition: models.Q
    labels: tuple[str, str] = ("Yes", "No")

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", self.labels[0]), ("no", self.labels[1])]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        if self.value() == "yes":
            return queryset.filter(self.condition)
        if self.value() == "no":
            return queryset.exclude(self.condition)
        return queryset


@dataclass(frozen=True)
class Decision:
    """One decision a ModelAdmin offers on one object.

    `name` is the page's URL segment and ends its URL name (`escrow_escrow_release` is
    `<app>_<model>_<name>`); `action` and `label` are the admin action that opens the page;
    `title` heads the page, `button` submits its form, `form_class` asks what the service
    needs.
    """

    name: str
    action: str
    label: str
    title: str
    button: str
    form_class: type[forms.Form]


@dataclass(frozen=True)
class Decided:
    """What a decision leaves in the admin besides the service's own record: a line in
    "Recent actions" on `obj` (as it stands after the decision, since its name may show its
    status) and the message staff read on the next page."""

    obj: models.Model
    log: str
    message: str


class DecisionAdminMixin:
    """Decision pages for a ModelAdmin (listed before ModelAdmin in its bases, so that its
    URLs come before the admin's catch-all `<object_id>/`).

    Each of `decisions` becomes an admin action, offered to whom `decision_allowed` admits,
    that sends exactly one eligible selected object to the decision's page, and a URL
    `<pk>/<name>/`. The page shows the object and the form (GET); the submission (POST)
    calls `decide` once. The page is not in a transaction of the admin's: the services are
    durable, own theirs and check again under their lock that the object is still
    eligible, which is how two staff deciding at once make one decision.

    The ModelAdmin supplies what is its own: `decision_allowed`, `decision_template`,
    `decision_related`, `one_at_a_time` and `decide`, and where it needs to,
    `decision_refusal`, `decision_label`, `decision_form_kwargs`, `decision_context`
    and `decision_refused`.
    """

    decisions: tuple[Decision, ...] = ()
    # who may decide (the service asks it again): a user → bool
    decision_allowed: Callable[[Any], bool]
    # extends admin/decision_form.html with the object's facts and what the decision does
    decision_template: str
    # what the page and the texts read of the object, fetched with it
    decision_related: tuple[str, ...] = ()
    # the warning when the selection is not exactly one eligible object
    one_at_a_time: str
    # back to the list after a decision (a queue worked through), else to the object's page
    decided_back_to_list = False

    # --- what each ModelAdmin says ----------------------------------------------------------
    def decision_refusal(self, obj: Any) -> str | None:
        """Why `obj` cannot be decided now, or None. Asked of the selection and again by
        the page, so a form is not offered for an object decided meanwhile."""
        return None

    def decision_label(self, obj: Any) -> str:
        """How the page names the object (its breadcrumb and heading)."""
        return str(obj)

    def decision_form_kwargs(self, obj: Any, decision: Decision) -> dict[str, Any]:
        """What the decision's form needs of the object besides the posted data."""
        return {}

    def decision_context(self, obj: Any, decision: Decision) -> dict[str, Any]:
        """What the page's template shows of the object besides the object itself."""
        return {}

    def decide(
        self, request: HttpRequest, obj: Any, decision: Decision, data: dict[str, Any]
    ) -> Decided:
        """Calls the decision's service with the form's cleaned `data`; a `DomainError`
        it raises is the refusal (`decision_refused`)."""
        raise NotImplementedError

    def decision_refused(
        self, request: HttpRequest, obj: Any, form: forms.Form, exc: DomainError
    ) -> HttpResponse | None:
        """The service refused. On a field of the form it is that field's error, for staff
        to correct; any other refusal (decided meanwhile) leaves nothing to correct here,
        so it is said on the object's page. None shows the form again."""
        if exc.field in form.fields:
            form.add_error(exc.field, exc.message)
            return None
        self.message_user(request, exc.message, level=messages.ERROR)
        return HttpResponseRedirect(self._decision_url(obj, "change"))

    # --- the mechanism ----------------------------------------------------------------------
    def has_decide_permission(self, request: HttpRequest) -> bool:
        return self.decision_allowed(request.user)

    @property
    def actions(self) -> list[Callable]:
        """One action a decision, so a decision cannot be declared and left unoffered."""
        return [_decision_action(decision) for decision in self.decisions]

    def open_decision(
        self, request: HttpRequest, queryset: models.QuerySet, decision: Decision
    ) -> HttpResponseRedirect | None:
        """The action: one object at a time, so that each is decided on its own page."""
        selected = list(queryset[:2])
        if len(selected) != 1 or self.decision_refusal(selected[0]) is not None:
            self.message_user(request, self.one_at_a_time, level=messages.WARNING)
            return None
        return HttpResponseRedirect(self._decision_url(selected[0], decision.name))

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.decision_view)
        opts = self.opts
        return [
            *(
                path(
                    f"<int:object_id>/{decision.name}/",
                    view,
                    {"decision_name": decision.name},
                    name=f"{opts.app_label}_{opts.model_name}_{decision.name}",
                )
                for decision in self.decisions
            ),
            *super().get_urls(),
        ]

    def decision_view(
        self, request: HttpRequest, object_id: int, decision_name: str
    ) -> HttpResponse:
        """The decision's form (GET) and its submission (POST), for one eligible object."""
        if not self.has_decide_permission(request):
            raise PermissionDenied
        decision = next(d for d in self.decisions if d.name == decision_name)
        obj = get_object_or_404(
            self.model._default_manager.select_related(*self.decision_related), pk=object_id
        )
        refusal = self.decision_refusal(obj)
        if refusal is not None:
            self.message_user(request, refusal, level=messages.ERROR)
            return HttpResponseRedirect(self._decision_url(obj, "change"))
        data = request.POST if request.method == "POST" else None
        form = decision.form_class(data, **self.decision_form_kwargs(obj, decision))
        if form.is_bound and form.is_valid():
            answered = self._submit(request, obj, decision, form)
            if answered is not None:
                return answered
        context = self._decision_page_context(request, obj, decision, form)
        return TemplateResponse(request, self.decision_template, context)

    def _submit(
        self, request: HttpRequest, obj: Any, decision: Decision, form: forms.Form
    ) -> HttpResponse | None:
        """Calls the service once: the decision recorded, or its refusal handled (None: the
        form is shown again)."""
        try:
            decided = self.decide(request, obj, decision, form.cleaned_data)
        except DomainError as exc:
            return self.decision_refused(request, obj, form, exc)
        return self._record(request, decided)

    def _record(self, request: HttpRequest, decided: Decided) -> HttpResponseRedirect:
        """The admin's "Recent actions" and the message; the service's writes (a ledger
        transaction, the object's decision fields) are the record itself."""
        self.log_change(request, decided.obj, decided.log)
        self.message_user(request, decided.message, level=messages.SUCCESS)
        if self.decided_back_to_list:
            return HttpResponseRedirect(self._decision_url(None, "changelist"))
        return HttpResponseRedirect(self._decision_url(decided.obj, "change"))

    def _decision_page_context(
        self, request: HttpRequest, obj: Any, decision: Decision, form: forms.Form
    ) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "title": decision.title,
            "button": decision.button,
            "decision": decision,
            "opts": self.opts,
            "object": obj,
            self.opts.model_name: obj,  # `escrow`, `withdrawal`: the page's own name for it
            "object_label": self.decision_label(obj),
            "form": form,
            **self.decision_context(obj, decision),
        }

    def _decision_url(self, obj: Any, view: str) -> str:
        """The admin URL `view` ("change", "changelist", a decision's name) of `obj`."""
        opts = self.opts
        args = [] if obj is None else [obj.pk]
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def _decision_action(decision: Decision) -> Callable:
    """The admin action (named `decision.action`) that opens `decision`'s page."""

    @admin.action(description=decision.label, permissions=["decide"])
    def action(
        modeladmin: DecisionAdminMixin, request: HttpRequest, queryset: models.QuerySet
    ) -> HttpResponseRedirect | None:
        return modeladmin.open_decision(request, queryset, decision)

    action.__name__ = decision.action
    return action
