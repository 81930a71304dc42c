"""Staff screens of the wallet.

The ledger is shown, never edited: accounts, transactions, entries, deposits and
withdrawals are read-only here (no add, change or delete). Money moves only through
services; the staff writes are actions with a form page of their own: "Adjust balance…" on
an account (`account_adjust`, for superusers and staff holding `wallet.adjust_balance`), and
"Mark sent…" / "Reject…" on a pending BTC withdrawal (`withdrawal_send` /
`withdrawal_reject`, for superusers and staff holding `wallet.decide_withdrawal`). Failed
ledger audits are listed, and the latest one, while it stands, is announced at the top of
the admin index, above what serves each payment provider.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Value, When
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from core.admin import Decided, Decision, DecisionAdminMixin, ReadOnlyAdminMixin, ReadOnlyInline
from core.errors import DomainError
from core.ids import CryptoShopIds
from core.money import Currency, Money, MoneyError, format_amount

from .models import (
    Account,
    Deposit,
    Entry,
    LedgerAudit,
    LedgerTransaction,
    PaymentAttempt,
    SandboxPayment,
    Withdrawal,
)
from .services.adjustments import REASON_MAX_LENGTH, account_adjust, adjustment_allowed
from .services.btc import (
    withdrawal_decision_allowed,
    withdrawal_not_pending,
    withdrawal_reject,
    withdrawal_send,
)

# The admin index announces a failed ledger audit (wallet/templates/wallet/admin_index.html
# extends the stock index). An app's `templates/admin/index.html` would be shadowed by
# django.contrib.admin's own, which INSTALLED_APPS lists first, hence the site's hook.
admin.site.index_template = "wallet/admin_index.html"


class _ReadOnly(admin.ModelAdmin):
    """Payment records are written by providers' callbacks and reconcile, never by hand."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False


class _Ledger(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The books: shown to staff who may view them, changed by nobody here. Corrections
    are new ledger transactions (a staff adjustment), never edits."""


def _owner(account: Account) -> str:
    return account.user.username if account.user_id else "—"


# --- accounts, and the staff adjustment -----------------------------------------------------
_DECIMAL = re.compile(r"[+-]?\d+(\.\d+)?")


class AdjustBalanceForm(forms.Form):
    amount = forms.CharField(
        label="Amount",
        max_length=32,
        help_text="Signed, in the account's currency: 2500 credits the account, -2500 debits it.",
    )
    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Recorded with the transaction; the user reads it in their wallet statement.",
    )
    # one key per form shown: submitting the same form twice (a double click, a resend)
    # posts one adjustment
    request_key = forms.RegexField(
        regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput, required=False
    )

    def __init__(self, *args, currency: str, **kwargs):
        kwargs.setdefault("initial", {"request_key": uuid.uuid4().hex})
        super().__init__(*args, **kwargs)
        self.currency = Currency(currency)
        self.fields["amount"].label = f"Amount ({self.currency})"

    def clean_amount(self) -> int:
        value = self.cleaned_data["amount"].strip()
        # plain decimals only: an exponent ("1e999999") would make an enormous number
        if not _DECIMAL.fullmatch(value):
            raise ValidationError("Enter a number such as 2500, -2500 or 12.50.")
        try:
            amount = Money.from_decimal(value, self.currency)
        except MoneyError as exc:
            raise ValidationError(str(exc)) from exc
        if not amount.amount_minor:
            raise ValidationError("An adjustment is a non-zero amount.")
        if abs(amount.amount_minor) >= 2**63:
            raise ValidationError("That amount is too large.")
        return amount.amount_minor


ADJUST = Decision(
    "adjust",
    action="adjust_balance",
    label="Adjust balance…",
    title="Adjust balance",
    button="Adjust balance",
    form_class=AdjustBalanceForm,
)


@admin.register(Account)
class AccountAdmin(DecisionAdminMixin, _Ledger):
    list_display = ["id", "kind", "owner", "currency", "balance", "balance_minor",
                    "deposit_address", "updated_at"]  # fmt: skip
    list_display_links = ["id", "kind"]
    list_filter = ["kind", "currency"]
    search_fields = ["uid", "user__username", "user__email", "user__uid", "deposit_address",
                     "payout_address"]  # fmt: skip
    list_select_related = ["user"]
    show_full_result_count = False
    fields = ["uid", "kind", "user", "currency", "balance", "balance_minor", "entries_link",
              "deposit_address", "address_index", "payout_address", "created_at",
              "updated_at"]  # fmt: skip
    readonly_fields = ["balance", "entries_link"]
    # adjusted through `account_adjust`, one account at a time, back to the account's page
    decisions = (ADJUST,)
    decision_allowed = staticmethod(adjustment_allowed)
    decision_template = "admin/wallet/account/adjust_balance.html"
    decision_related = ("user",)
    one_at_a_time = "Select exactly one account to adjust."

    @admin.display(description="owner", ordering="user__username")
    def owner(self, account):
        return _owner(account)

    @admin.display(description="Balance", ordering="balance_minor")
    def balance(self, account):
        return format_amount(account.balance_minor, account.currency)

    @admin.display(description="statement")
    def entries_link(self, account):
        url = reverse("admin:wallet_entry_changelist") + f"?account__id__exact={account.pk}"
        return format_html('<a href="{}">Entries of this account</a>', url)

    def decision_form_kwargs(self, account: Account, decision: Decision) -> dict[str, Any]:
        return {"currency": account.currency}

    def decision_context(self, account: Account, decision: Decision) -> dict[str, Any]:
        return {"balance": format_amount(account.balance_minor, account.currency)}

    def decide(
        self, request: HttpRequest, account: Account, decision: Decision, data: dict[str, Any]
    ) -> Decided:
        ledger_transaction = account_adjust(
            account_id=account.pk,
            amount_minor=data["amount"],
            reason=data["reason"],
            staff_user=request.user,
            request_key=data["request_key"],
        )
        amount = format_amount(data["amount"], account.currency)
        url = reverse("admin:wallet_ledgertransaction_change", args=[ledger_transaction.pk])
        return Decided(
            account,
            log=f"Adjusted by {amount} ({ledger_transaction.key})",
            message=format_html(
                'Adjusted {} by {}: <a href="{}">{}</a>.',
                account,
                amount,
                url,
                ledger_transaction.key,
            ),
        )

    def decision_refused(
        self, request: HttpRequest, account: Account, form: forms.Form, exc: DomainError
    ) -> None:
        """An account can always be adjusted, so every refusal (a debit beyond the balance,
        which names the balance) is said above the form, which stays for staff to correct
        the amount or give up."""
        self.message_user(request, exc.message, level=messages.ERROR)


# --- ledger transactions and entries --------------------------------------------------------
class EntryInline(ReadOnlyInline):
    model = Entry
    fields = ["account", "owner", "amount", "amount_minor", "currency", "balance_after"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account__user").order_by("id")

    @admin.display(description="owner")
    def owner(self, entry):
        return _owner(entry.account)

    @admin.display(description="amount")
    def amount(self, entry):
        return format_amount(entry.amount_minor, entry.currency)


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(_Ledger):
    list_display = ["id", "key", "kind", "reference", "description", "created_by", "created_at"]
    list_display_links = ["id", "key"]
    list_filter = ["kind"]
    search_fields = ["key", "reference", "uid", "description", "entries__account__user__username",
                     "entries__account__user__email"]  # fmt: skip
    list_select_related = ["created_by"]
    show_full_result_count = False
    fields = ["uid", "key", "kind", "reference", "description", "created_by", "reason",
              "created_at"]  # fmt: skip
    inlines = [EntryInline]


@admin.register(Entry)
class EntryAdmin(_Ledger):
    list_display = ["id", "transaction", "account", "amount", "amount_minor", "currency",
                    "balance_after", "created_at"]  # fmt: skip
    list_filter = ["currency", "account__kind", "transaction__kind"]
    search_fields = ["transaction__reference", "transaction__key", "account__user__username",
                     "account__user__email"]  # fmt: skip
    list_select_related = ["transaction", "account__user"]
    show_full_result_count = False

    @admin.display(description="amount", ordering="amount_minor")
    def amount(self, entry):
        return format_amount(entry.amount_minor, entry.currency)


# --- BTC deposits and withdrawals -------------------------------------------------------------
@admin.register(Deposit)
class DepositAdmin(_Ledger):
    list_display = ["txid", "vout", "account", "address", "amount", "confirmations", "status",
                    "first_seen_at", "credited_at"]  # fmt: skip
    list_filter = ["status"]
    search_fields = ["txid", "address"]
    list_select_related = ["account__user", "transaction"]
    show_full_result_count = False

    @admin.display(description="amount", ordering="amount_minor")
    def amount(self, deposit):
        return format_amount(deposit.amount_minor, deposit.account.currency)


_WD_PREFIX = re.compile(r"(?<!\w)wd_(?=\w)", re.IGNORECASE)


class MarkSentForm(forms.Form):
    # the format is the service's to check (`withdrawal_send`); its error lands on this field
    txid = forms.CharField(
        label="Broadcast txid",
        max_length=128,
        widget=forms.TextInput(attrs={"size": 70, "autocomplete": "off", "spellcheck": "false"}),
        help_text="The id of the transaction you broadcast from the operator's wallet: "
        "64 hexadecimal characters.",
    )


class RejectWithdrawalForm(forms.Form):
    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="The user is told it, and reads it in their wallet statement.",
    )


# sent or rejected through their service, one pending withdrawal at a time
WITHDRAWAL_DECISIONS = (
    Decision("send", action="mark_sent", label="Mark sent…", title="Mark withdrawal sent",
             button="Mark sent", form_class=MarkSentForm),
    Decision("reject", action="reject", label="Reject…", title="Reject withdrawal",
             button="Reject", form_class=RejectWithdrawalForm),
)  # fmt: skip


@admin.register(Withdrawal)
class WithdrawalAdmin(DecisionAdminMixin, _Ledger):
    """The withdrawals queue, pending first. Staff send the coins from the operator's wallet
    themselves, then record the broadcast txid ("Mark sent…"), or refuse the withdrawal
    ("Reject…", the amount goes back to the wallet). Each decision goes through its service,
    once: a withdrawal decided meanwhile (two staff at once) is refused and nothing changes."""

    list_display = ["wd_id", "user", "status", "amount", "address", "txid", "requested_at",
                    "decided_at", "decided_by"]  # fmt: skip
    list_display_links = ["wd_id"]
    list_filter = ["status"]
    search_fields = ["uid", "txid", "address", "account__user__username", "account__user__email",
                     "account__user__uid"]  # fmt: skip
    list_select_related = ["account__user", "decided_by"]
    # the queue first (pending), then newest first; "-id" keeps the order total
    ordering = [
        Case(When(status=Withdrawal.Status.PENDING, then=Value(0)), default=Value(1)).asc(),
        "-created_at",
        "-id",
    ]
    show_full_result_count = False
    decisions = WITHDRAWAL_DECISIONS
    decision_allowed = staticmethod(withdrawal_decision_allowed)
    decision_template = "admin/wallet/withdrawal/decide.html"
    decision_related = ("account__user",)
    one_at_a_time = "Select exactly one pending withdrawal: each is decided on its own."
    decided_back_to_list = True  # the queue of pending withdrawals, worked through

    @admin.display(description="id", ordering="uid")
    def wd_id(self, withdrawal):
        return CryptoShopIds.WITHDRAWAL(withdrawal.uid)

    @admin.display(description="user", ordering="account__user__username")
    def user(self, withdrawal):
        return _owner(withdrawal.account)

    @admin.display(description="amount", ordering="amount_minor")
    def amount(self, withdrawal):
        return format_amount(withdrawal.amount_minor, withdrawal.account.currency)

    @admin.display(description="requested at", ordering="created_at")
    def requested_at(self, withdrawal):
        return withdrawal.created_at

    def get_search_results(self, request, queryset, search_term):
        # `wd_<uid>` is how the API and the ledger name a withdrawal; the row holds the uid
        search_term = _WD_PREFIX.sub("", search_term)
        return super().get_search_results(request, queryset, search_term)

    def decision_refusal(self, withdrawal: Withdrawal) -> str | None:
        if withdrawal.status == Withdrawal.Status.PENDING:
            return None
        return withdrawal_not_pending(withdrawal).message

    def decision_label(self, withdrawal: Withdrawal) -> str:
        return self.wd_id(withdrawal)

    def decision_context(self, withdrawal: Withdrawal, decision: Decision) -> dict[str, Any]:
        return {
            "wd_id": self.wd_id(withdrawal),
            "owner": _owner(withdrawal.account),  # not "user": that is the staff member
            "amount": format_amount(withdrawal.amount_minor, withdrawal.account.currency),
        }

    def decide(
        self, request: HttpRequest, withdrawal: Withdrawal, decision: Decision, data: dict[str, Any]
    ) -> Decided:
        """The service refuses (WITHDRAWAL_NOT_PENDING) a withdrawal decided meanwhile; a
        malformed txid lands on the form's `txid`."""
        wd_id, owner = self.wd_id(withdrawal), _owner(withdrawal.account)
        amount = format_amount(withdrawal.amount_minor, withdrawal.account.currency)
        if decision.name == "send":
            withdrawal = withdrawal_send(
                withdrawal_id=withdrawal.pk, txid=data["txid"], staff_user=request.user
            )
            log = f"Marked sent: {withdrawal.txid}"
            message = f"Withdrawal {wd_id} of {amount} marked sent: {withdrawal.txid}."
        else:
            withdrawal = withdrawal_reject(
                withdrawal_id=withdrawal.pk, reason=data["reason"], staff_user=request.user
            )
            log = f"Rejected: {withdrawal.reason}"
            message = f"Withdrawal {wd_id} rejected: {amount} returned to {owner}'s wallet."
        return Decided(withdrawal, log=log, message=message)


# --- ledger audits -------------------------------------------------------------------------
@admin.register(LedgerAudit)
class LedgerAuditAdmin(_Ledger):
    list_display = ["created_at", "result", "accounts_checked", "transactions_checked", "summary"]
    list_filter = ["ok"]
    fields = ["created_at", "result", "accounts_checked", "transactions_checked", "report_text"]
    readonly_fields = ["result", "report_text"]

    @admin.display(description="result", ordering="ok")
    def result(self, audit):
        if audit.ok:
            return "ok"
        return format_html('<strong style="color:#ba2121">{}</strong>', "FAILED")

    @admin.display(description="report")
    def summary(self, audit):
        lines = audit.report.splitlines()
        more = f" (+{len(lines) - 4} lines)" if len(lines) > 4 else ""
        return format_html(
            '<span style="white-space:pre-line">{}</span>{}', "\n".join(lines[:4]), more
        )

    @admin.display(description="report")
    def report_text(self, audit):
        return format_html('<pre style="white-space:pre-wrap">{}</pre>', audit.report)


# --- payments --------------------------------------------------------------------------------
@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(_ReadOnly):
    list_display = ["reference", "kind", "provider", "order", "amount_minor", "currency", "status",
                    "created_at", "settled_at", "settled_by"]  # fmt: skip
    list_filter = ["kind", "provider", "status", "settled_by"]
    search_fields = ["reference", "order__number"]
    list_select_related = ["order"]


@admin.register(SandboxPayment)
class SandboxPaymentAdmin(_ReadOnly):
    """The sandbox provider's own records (what its status API answers from)."""

    list_display = ["reference", "kind", "provider", "amount_minor", "currency", "decision",
                    "created_at", "decided_at"]  # fmt: skip
    list_filter = ["kind", "provider", "decision"]
    search_fields = ["reference"]
