"""Fill both storefronts with demo data. Safe to run again: each app's `demo.seed` is idempotent."""

import importlib
import importlib.util

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.apps import DOMAIN_APPS


class Command(BaseCommand):
    help = "Load demo data for Techaven and CryptoShop (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="run even with DEBUG off (creates known logins)"
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates accounts with published passwords; "
                "it runs only with DEBUG on (or --force)."
            )
        for app in DOMAIN_APPS:
            name = f"{app}.demo"
            if importlib.util.find_spec(name) is None:
                continue
            module = importlib.import_module(name)
            # no wrapping transaction: demo data goes through the durable services
            lines = module.seed() or []
            for line in lines:
                self.stdout.write(f"[{app}] {line}")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
