"""The ledger audit: does every cached number still agree with the entries behind it?

The ledger service keeps the books right as it writes them (balanced legs, row locks, the
cached balance written with the entries) and PostgreSQL holds the same rules with triggers
and CHECKs. The audit is the independent look afterwards, for what those could not catch:
a raw `UPDATE`, a restored backup, a migration or a bug in a new code path. It checks

- every account's cached `balance_minor` against the sum of its entries;
- every account's last entry's `balance_after` against that balance;
- every ledger transaction: at least two entries, summing to zero per currency;
- no account that holds money (all but `Account.OUTSIDE`) below zero;
- every entry in its account's currency.

Each check is one aggregate query (GROUP BY in the database, whatever the ledger's size)
that returns only the rows in error, at most `MAX_LISTED` of them, then counts the rest.
Each statement sees one consistent snapshot, so the audit takes no lock and postings go on
while it runs. Every run is recorded as a `LedgerAudit`; staff see a failed one at the top
of the admin index (wallet/admin.py), and the daily beat task logs it as an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ..models import Account, Entry, LedgerAudit, LedgerTransaction

# problems listed in a report; the rest are counted ("… and N more")
MAX_LISTED = 200


@dataclass(frozen=True, slots=True)
class AuditReport:
    ok: bool
    accounts_checked: int
    transactions_checked: int
    # the problems found, each one readable line (the first `MAX_LISTED` of each check)
    problems: list[str] = field(default_factory=list)
    # how many were found in all, listed or not
    problems_total: int = 0

    def text(self) -> str:
        counts = f"{self.accounts_checked} accounts, {self.transactions_checked} transactions"
        if self.ok:
            return f"Ledger audit: {counts}, no discrepancy"
        plural = "y" if self.problems_total == 1 else "ies"
        lines = [f"Ledger audit: {counts}, {self.problems_total} discrepanc{plural}:"]
        listed = self.problems[:MAX_LISTED]
        lines += [f"- {problem}" for problem in listed]
        if self.problems_total > len(listed):
            lines.append(f"… and {self.problems_total - len(listed)} more")
        return "\n".join(lines)


def ledger_audit() -> AuditReport:
    """Check the whole ledger (see the module docstring), record the run as a
    `LedgerAudit` and return its report."""
    accounts_checked = Account.objects.count()
    transactions_checked = LedgerTransaction.objects.count()
    problems: list[str] = []
    total = 0
    for rows, describe in _CHECKS:
        lines, found = _collect(rows(), describe)
        problems += lines
        total += found
    report = AuditReport(
        ok=total == 0,
        accounts_checked=accounts_checked,
        transactions_checked=transactions_checked,
        problems=problems,
        problems_total=total,
    )
    LedgerAudit.objects.create(
        ok=report.ok,
        accounts_checked=accounts_checked,
        transactions_checked=transactions_checked,
        report=report.text(),
    )
    return report


def _collect(rows: QuerySet, describe: Callable) -> tuple[list[str], int]:
    """The first `MAX_LISTED` problems of one check, described, and how many there are."""
    listed = list(rows[:MAX_LISTED])
    found = len(listed) if len(listed) < MAX_LISTED else rows.count()
    return [describe(row) for row in listed], found


def _account(account: Account) -> str:
    owner = f"wallet of {account.user.username}" if account.user_id else account.kind
    return f"account {account.pk} ({owner}, {account.currency})"


# --- the checks: each a query of the rows in error, and how to describe one ---------------


def _balance_not_entries() -> QuerySet:
    return (
        Account.objects.select_related("user")
        .annotate(summed=Coalesce(Sum("entries__amount_minor"), Value(0)))
        .exclude(balance_minor=F("summed"))
        .order_by("pk")
    )


def _describe_balance_not_entries(account) -> str:
    difference = account.balance_minor - account.summed
    return (
        f"{_account(account)}: cached balance {account.balance_minor}, entries sum to "
        f"{account.summed}, difference {difference:+d}"
    )


def _balance_not_last_entry() -> QuerySet:
    last = Entry.objects.filter(account=OuterRef("pk")).order_by("-id").values("balance_after")
    return (
        Account.objects.select_related("user")
        .annotate(last_balance=Subquery(last[:1]))
        .filter(last_balance__isnull=False)
        .exclude(last_balance=F("balance_minor"))
        .order_by("pk")
    )


def _describe_balance_not_last_entry(account) -> str:
    return (
        f"{_account(account)}: cached balance {account.balance_minor}, but its last entry "
        f"left it at {account.last_balance}"
    )


def _too_few_entries() -> QuerySet:
    return (
        LedgerTransaction.objects.annotate(legs=Count("entries")).filter(legs__lt=2).order_by("pk")
    )


def _describe_too_few_entries(ledger_transaction) -> str:
    return (
        f"transaction {ledger_transaction.pk} ({ledger_transaction.key}) has "
        f"{ledger_transaction.legs} entr{'y' if ledger_transaction.legs == 1 else 'ies'}, "
        "needs at least two"
    )


def _unbalanced() -> QuerySet:
    return (
        Entry.objects.order_by()
        .values("transaction_id", "transaction__key", "currency")
        .annotate(total=Sum("amount_minor"))
        .exclude(total=0)
        .order_by("transaction_id", "currency")
    )


def _describe_unbalanced(row: dict) -> str:
    return (
        f"transaction {row['transaction_id']} ({row['transaction__key']}) does not balance: "
        f"its {row['currency']} entries sum to {row['total']:+d}"
    )


def _negative() -> QuerySet:
    return (
        Account.objects.select_related("user")
        .exclude(kind__in=Account.OUTSIDE)
        .filter(balance_minor__lt=0)
        .order_by("pk")
    )


def _describe_negative(account: Account) -> str:
    return f"{_account(account)} holds money and is below zero: {account.balance_minor}"


def _foreign_currency() -> QuerySet:
    return (
        Entry.objects.select_related("account__user", "transaction")
        .exclude(currency=F("account__currency"))
        .order_by("pk")
    )


def _describe_foreign_currency(entry: Entry) -> str:
    return (
        f"entry {entry.pk} of transaction {entry.transaction_id} ({entry.transaction.key}) "
        f"is in {entry.currency}, its {_account(entry.account)} is not"
    )


_CHECKS: tuple[tuple[Callable[[], QuerySet], Callable], ...] = (
    (_balance_not_entries, _describe_balance_not_entries),
    (_balance_not_last_entry, _describe_balance_not_last_entry),
    (_too_few_entries, _describe_too_few_entries),
    (_unbalanced, _describe_unbalanced),
    (_negative, _describe_negative),
    (_foreign_currency, _describe_foreign_currency),
)
