"""The escrow queue of trust-and-safety staff.

Escrows are read here, never edited: no add, change or delete, the participants, the ledger
transactions of the escrow (`reference` `escrow_<uid>`) and its dispute ticket's
conversation shown read-only. The queue puts what waits for staff first (disputed, or locked
after five wrong release codes while still holding the money), oldest first. Staff settle one
of those through an action with a form page of its own — "Release to seller…", "Refund to
buyer…", "Split…" — each calling `escrow_resolve` once, with a reason; offered to superusers
and to staff holding `escrow.resolve_escrow` (others get 403 on the form pages).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Case, F, Prefetch, Q, Value, When
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.timesince import timesince

from core.admin import (
    Decided,
    Decision,
    DecisionAdminMixin,
    ReadOnlyAdminMixin,
    ReadOnlyInline,
    YesNoFilter,
)
from core.ids import CryptoShopIds
from core.money import Currency, Money, MoneyError, format_amount
from support.models import Message
from wallet.models import Entry, LedgerTransaction

from . import conf
from .models import NEEDS_STAFF, Escrow, Participant, needs_staff
from .permissions import resolution_allowed
from .services import escrow_fee, escrow_resolve

REASON_MAX_LENGTH = 1000


def btc(amount_minor: int) -> str:
    """`0.00250000 BTC`: satoshis in bitcoin, exactly."""
    return format_amount(amount_minor, Currency.BTC)


# --- the queue's filters ---------------------------------------------------------------------
class DisputedFilter(YesNoFilter):
    title = "disputed"
    parameter_name = "disputed"
    condition = Q(dispute_raised=True, dispute_resolved=False)
    labels = ("Open dispute", "No open dispute")


class LockedFilter(YesNoFilter):
    title = "locked (five wrong codes)"
    parameter_name = "locked"
    condition = Q(locked_at__isnull=False)
    labels = ("Locked", "Not locked")


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [("day", "< 1 day"), ("week", "1–7 days"), ("older", "> 7 days")]

    def queryset(self, request, queryset):
        now = timezone.now()
        day_ago, week_ago = now - timedelta(days=1), now - timedelta(days=7)
        if self.value() == "day":
            return queryset.filter(created_at__gt=day_ago)
        if self.value() == "week":
            return queryset.filter(created_at__lte=day_ago, created_at__gt=week_ago)
        if self.value() == "older":
            return queryset.filter(created_at__lte=week_ago)
        return queryset


# --- the resolution forms --------------------------------------------------------------------
_DECIMAL = re.compile(r"\d+(\.\d+)?")


class ResolveForm(forms.Form):
    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 70}),
        help_text="Recorded on the escrow and its ledger transactions, and posted to the buyer "
        "and the seller on the dispute ticket, which is then closed.",
    )


class SplitForm(ResolveForm):
    # the service's name for it: its BAD_SPLIT error lands on this field
    seller_amount = forms.CharField(
        label="Seller's share (BTC)",
        max_length=32,
        widget=forms.TextInput(attrs={"size": 20, "autocomplete": "off", "inputmode": "decimal"}),
    )
    field_order = ["seller_amount", "reason"]

    def __init__(self, *args, total_minor: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seller_amount"].help_text = (
            f"Before the {conf.fee_percent()}% fee, more than 0 and less than the "
            f"{btc(total_minor)} held; the buyer gets the rest. At most 8 decimals, e.g. 0.001."
        )

    def clean_seller_amount(self) -> int:
        value = self.cleaned_data["seller_amount"].strip()
        # plain decimals only: an exponent ("1e999999") would make an enormous number
        if not _DECIMAL.fullmatch(value):
            raise ValidationError("Enter an amount in BTC such as 0.001.")
        try:
            return Money.from_decimal(value, Currency.BTC).amount_minor
        except MoneyError as exc:
            raise ValidationError(str(exc)) from exc


# each resolution (its name is the service's `Escrow.Resolution`), offered as an action
RESOLUTIONS = (
    Decision("release", action="release_to_seller", label="Release to seller…",
             title="Release to the seller", button="Release to the seller",
             form_class=ResolveForm),
    Decision("refund", action="refund_to_buyer", label="Refund to buyer…",
             title="Refund to the buyer", button="Refund to the buyer", form_class=ResolveForm),
    Decision("split", action="split", label="Split…", title="Split between buyer and seller",
             button="Split between buyer and seller", form_class=SplitForm),
)  # fmt: skip


# --- the escrow ------------------------------------------------------------------------------
class ParticipantInline(ReadOnlyInline):
    model = Participant
    fields = ["participant_id", "role", "user", "agreed_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    @admin.display(description="id")
    def participant_id(self, participant):
        return CryptoShopIds.PARTICIPANT(participant.uid)


@admin.register(Escrow)
class EscrowAdmin(DecisionAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: escrows are created by buyers through CryptoShop, and their money moves
    through the resolutions only."""

    list_display = ["escrow_id", "order_link", "buyer_name", "seller_name", "amount", "status",
                    "disputed", "locked", "age", "dispute_reason_short"]  # fmt: skip
    list_display_links = ["escrow_id"]
    list_filter = ["status", DisputedFilter, LockedFilter, AgeFilter]
    search_fields = ["uid", "order__uid", "buyer__username", "seller__username"]
    search_help_text = "escrow_…, order_…, or the buyer's or seller's username"
    list_select_related = ["order", "buyer", "seller"]
    # what waits for staff first, oldest first among it; then the rest, newest first
    ordering = [
        Case(When(NEEDS_STAFF, then=Value(0)), default=Value(1)).asc(),
        Case(When(NEEDS_STAFF, then=F("created_at"))).asc(),
        "-created_at",
        "-id",
    ]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": [("escrow_id", "status"), ("order_link", "amount", "amount_eur"),
                           ("buyer", "seller"), ("created_at", "updated_at")]}),
        ("Dispute", {"fields": [("dispute_raised", "dispute_resolved", "locked_at",
                                 "wrong_code_attempts"), ("disputed_by", "disputed_at"),
                                "dispute_reason", "ticket_conversation"]}),
        ("Resolution", {"fields": [("resolution", "resolved_by", "resolved_at"),
                                   "seller_received", "resolution_reason"]}),
        ("Times", {"fields": [("funded_at", "confirmed_at"), ("released_at", "refunded_at"),
                              "reminder_sent_at"]}),
        ("Ledger", {"fields": ["ledger"]}),
    ]  # fmt: skip
    # everything shown, nothing editable; the release code's bcrypt hash is left out: it
    # serves staff nothing and is one more copy of a secret's trace on a screen
    readonly_fields = [
        "escrow_id", "status", "order_link", "amount", "amount_eur", "buyer", "seller",
        "created_at", "updated_at", "dispute_raised", "dispute_resolved", "locked_at",
        "wrong_code_attempts", "disputed_by", "disputed_at", "dispute_reason",
        "ticket_conversation", "resolution", "resolved_by", "resolved_at", "seller_received",
        "resolution_reason", "funded_at", "confirmed_at", "released_at", "refunded_at",
        "reminder_sent_at", "ledger",
    ]  # fmt: skip
    inlines = [ParticipantInline]
    # settled through `escrow_resolve`, one escrow at a time, back to the escrow's page
    decisions = RESOLUTIONS
    decision_allowed = staticmethod(resolution_allowed)
    decision_template = "admin/escrow/escrow/resolve.html"
    decision_related = ("order", "buyer", "seller", "disputed_by", "ticket")
    one_at_a_time = (
        "Select exactly one disputed or locked escrow still holding the money: "
        "each is settled on its own."
    )

    def get_object(self, request, object_id, from_field=None):
        queryset = self.get_queryset(request).select_related(
            "order", "buyer", "seller", "disputed_by", "resolved_by", "ticket"
        )
        model = queryset.model
        field = model._meta.pk if from_field is None else model._meta.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (model.DoesNotExist, ValidationError, ValueError):
            return None

    def get_search_results(self, request, queryset, search_term):
        # `escrow_<uid>` and `order_<uid>` are how the API names them; the rows hold the uid
        search_term = re.sub(r"(?<!\w)(?:escrow|order)_(?=\w)", "", search_term, flags=re.I)
        return super().get_search_results(request, queryset, search_term)

    # --- columns and fields ------------------------------------------------------------------
    @admin.display(description="escrow", ordering="uid")
    def escrow_id(self, escrow):
        return CryptoShopIds.ESCROW(escrow.uid)

    @admin.display(description="order", ordering="order__uid")
    def order_link(self, escrow):
        url = reverse("admin:orders_order_change", args=[escrow.order_id])
        return format_html('<a href="{}">order_{}</a>', url, escrow.order.uid)

    @admin.display(description="buyer", ordering="buyer__username")
    def buyer_name(self, escrow):
        return escrow.buyer.username

    @admin.display(description="seller", ordering="seller__username")
    def seller_name(self, escrow):
        return escrow.seller.username

    @admin.display(description="amount", ordering="amount_minor")
    def amount(self, escrow):
        return format_html('<span style="white-space:nowrap">{}</span>', btc(escrow.amount_minor))

    @admin.display(description="amount (EUR at creation)")
    def amount_eur(self, escrow):
        if escrow.amount_eur_minor is None:
            return "—"
        return format_amount(escrow.amount_eur_minor, Currency.EUR)

    @admin.display(description="disputed", boolean=True)
    def disputed(self, escrow):
        return escrow.dispute_raised and not escrow.dispute_resolved

    @admin.display(description="locked", boolean=True, ordering="locked_at")
    def locked(self, escrow):
        return escrow.is_locked

    @admin.display(description="age", ordering="created_at")
    def age(self, escrow):
        created = escrow.created_at
        return format_html('<span title="{}">{}</span>', created.isoformat(), timesince(created))

    @admin.display(description="dispute reason")
    def dispute_reason_short(self, escrow):
        return Truncator(escrow.dispute_reason).chars(60) or "—"

    @admin.display(description="seller received (after the fee)")
    def seller_received(self, escrow):
        if escrow.seller_amount_minor is None:
            return "—"
        return btc(escrow.seller_amount_minor)

    @admin.display(description="dispute ticket")
    def ticket_conversation(self, escrow):
        ticket = escrow.ticket
        if ticket is None:
            return "—"
        link = format_html(
            '<a href="{}">{}</a> — {} ({})',
            reverse("admin:support_ticket_change", args=[ticket.pk]),
            ticket.number,
            ticket.subject,
            ticket.get_status_display(),
        )
        lines = Message.objects.filter(ticket=ticket).select_related("author").order_by("id")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}{}</td><td style='white-space:pre-wrap'>{}</td></tr>",
            (
                (m.created_at.strftime("%Y-%m-%d %H:%M"), m.author.username,
                 " (staff)" if m.is_staff else "", m.content)
                for m in lines
            ),
        )  # fmt: skip
        return format_html(
            '<div>{}</div><table class="escrow-ticket"><thead><tr><th>at</th><th>from</th>'
            "<th>message</th></tr></thead><tbody>{}</tbody></table>",
            link,
            rows,
        )

    @admin.display(description="ledger transactions")
    def ledger(self, escrow):
        entries = Entry.objects.select_related("account__user").order_by("id")
        transactions = (
            LedgerTransaction.objects.filter(reference=CryptoShopIds.ESCROW(escrow.uid))
            .select_related("created_by")
            .prefetch_related(Prefetch("entries", queryset=entries))
            .order_by("id")
        )
        rows = format_html_join(
            "",
            "<tr><td><a href='{}'>{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    reverse("admin:wallet_ledgertransaction_change", args=[t.pk]),
                    t.key,
                    t.get_kind_display(),
                    t.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    format_html_join(
                        "",
                        "<div>{} {}</div>",
                        ((_signed_btc(e.amount_minor), _account(e)) for e in t.entries.all()),
                    ),
                    f"{t.created_by.username}: {t.reason}" if t.created_by_id else "—",
                )
                for t in transactions
            ),
        )
        if not rows:
            return "No ledger transaction yet (not funded)."
        return format_html(
            '<table class="escrow-ledger"><thead><tr><th>key</th><th>kind</th><th>at</th>'
            "<th>entries</th><th>by staff</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    # --- resolution --------------------------------------------------------------------------
    def decision_refusal(self, escrow: Escrow) -> str | None:
        if needs_staff(escrow):
            return None
        return (
            f"{CryptoShopIds.ESCROW(escrow.uid)} is not waiting for staff: only a disputed or "
            f"locked escrow still holding the money is settled here; this one is {escrow.status}."
        )

    def decision_label(self, escrow: Escrow) -> str:
        return self.escrow_id(escrow)

    def decision_form_kwargs(self, escrow: Escrow, decision: Decision) -> dict[str, Any]:
        # the split's share is checked against what the escrow holds
        if decision.form_class is SplitForm:
            return {"total_minor": escrow.amount_minor}
        return {}

    def decision_context(self, escrow: Escrow, decision: Decision) -> dict[str, Any]:
        fee = escrow_fee(escrow.amount_minor)
        return {
            "title": f"{decision.title}: {self.escrow_id(escrow)}",
            "order_link": self.order_link(escrow),
            "amount": btc(escrow.amount_minor),
            "fee_percent": conf.fee_percent(),
            "release_net": btc(escrow.amount_minor - fee),
            "release_fee": btc(fee),
            "ticket_url": (
                reverse("admin:support_ticket_change", args=[escrow.ticket_id])
                if escrow.ticket_id
                else None
            ),
        }

    def decide(
        self, request: HttpRequest, escrow: Escrow, decision: Decision, data: dict[str, Any]
    ) -> Decided:
        """`escrow_resolve`, which refuses (NOT_RESOLVABLE) an escrow settled meanwhile; a
        bad split share (BAD_SPLIT) lands on the form's `seller_amount`."""
        escrow = escrow_resolve(
            escrow_id=escrow.pk,
            action=Escrow.Resolution(decision.name),
            staff_user=request.user,
            reason=data["reason"],
            seller_amount_minor=data.get("seller_amount"),
        )
        what = _settlement(escrow, seller_gross=data.get("seller_amount") or 0)
        return Decided(
            escrow,
            log=f"{what}. Reason: {escrow.resolution_reason}",
            message=f"Escrow {CryptoShopIds.ESCROW(escrow.uid)} settled. {what}.",
        )


def _settlement(escrow: Escrow, *, seller_gross: int) -> str:
    """Where the money of a settled escrow went; `seller_gross` is a split's share before
    the fee."""
    to_seller = btc(escrow.seller_amount_minor or 0)
    if escrow.resolution == Escrow.Resolution.RELEASE:
        return f"Released to the seller: {to_seller} after the {conf.fee_percent()}% fee"
    if escrow.resolution == Escrow.Resolution.REFUND:
        return f"Refunded to the buyer: {btc(escrow.amount_minor)}"
    to_buyer = btc(escrow.amount_minor - seller_gross)
    return (
        f"Split: {btc(seller_gross)} to the seller ({to_seller} after the "
        f"{conf.fee_percent()}% fee), {to_buyer} to the buyer"
    )


def _signed_btc(amount_minor: int) -> str:
    return format_amount(amount_minor, Currency.BTC, signed=True)


def _account(entry: Entry) -> str:
    account = entry.account
    if account.user_id:
        return f"wallet of {account.user.username}"
    return account.get_kind_display()
