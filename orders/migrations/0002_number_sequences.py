"""PostgreSQL only: the order number sequences (orders.numbers), one per (storefront, year),
created ahead of use: for every existing counter, starting after its `last`, and for the
year this migration runs in. Later years are created on first use. On any other database
this migration does nothing (the counter rows keep numbering there).

Run it with no worker of the previous release taking numbers from the counters any more
(those numbers would collide with the sequence's)."""

import re

from django.db import migrations
from django.utils import timezone

STOREFRONTS = ("techaven", "cryptoshop")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    counter = apps.get_model("orders", "OrderNumberCounter")
    starts = {(s, timezone.now().year): 1 for s in STOREFRONTS}
    for storefront, year, last in counter.objects.values_list("storefront", "year", "last"):
        if re.fullmatch(r"[a-z]{1,16}", storefront):
            starts[(storefront, year)] = last + 1
    with schema_editor.connection.cursor() as cursor:
        for (storefront, year), start in sorted(starts.items()):
            cursor.execute(
                f"CREATE SEQUENCE IF NOT EXISTS orders_number_{storefront}_{int(year)} "
                f"AS bigint START {int(start)} MINVALUE 1"
            )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class "
            "WHERE relkind = 'S' AND relname ~ '^orders_number_[a-z]+_[0-9]+$'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP SEQUENCE IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
