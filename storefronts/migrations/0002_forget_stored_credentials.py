"""Issue 12, finding 7: answers that carried credentials were stored for Idempotency-Key
replay before such answers were marked `no-store`. Records live 24 hours; this forgets the
ones already written instead of waiting for the prune. Losing such a record only means
that a retry with its key runs again, as every retry of those endpoints now does."""

from django.db import migrations

# the JSON keys of the answers that hand out credentials, in both storefronts' spelling
CREDENTIAL_KEYS = (
    b'"accessToken"',
    b'"sessionToken"',
    b'"backupCodes"',
    b'"secret"',
    b'"access_token"',
    b'"refresh_token"',
    b'"reset_token"',
)


def forget_stored_credentials(apps, schema_editor) -> None:
    record_model = apps.get_model("storefronts", "IdempotencyRecord")
    doomed = [
        pk
        for pk, body in record_model.objects.filter(body__isnull=False)
        .values_list("pk", "body")
        .iterator(chunk_size=500)
        if any(key in bytes(body) for key in CREDENTIAL_KEYS)
    ]
    for start in range(0, len(doomed), 500):
        record_model.objects.filter(pk__in=doomed[start : start + 500]).delete()


class Migration(migrations.Migration):
    dependencies = [("storefronts", "0001_initial")]

    operations = [migrations.RunPython(forget_stored_credentials, migrations.RunPython.noop)]
