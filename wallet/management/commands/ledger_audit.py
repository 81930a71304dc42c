"""`manage.py ledger_audit`: check the ledger now (beat runs the same check daily)."""

from django.core.management.base import BaseCommand, CommandError

from wallet.services.audit import ledger_audit


class Command(BaseCommand):
    help = (
        "Check every cached balance against its entries and every ledger transaction for "
        "balance; exit non-zero with the report when something disagrees."
    )

    def handle(self, *args, **options):
        report = ledger_audit()
        if not report.ok:
            # CommandError: exit status 1 from the shell, an exception under call_command
            raise CommandError(report.text())
        self.stdout.write(self.style.SUCCESS(report.text()))
