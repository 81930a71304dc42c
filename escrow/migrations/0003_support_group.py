"""The "Support" group reads the escrow queue (escrows and their participants), and cannot
settle: `resolve_escrow` is given to trust-and-safety staff by hand."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from support.permissions import SUPPORT_GROUP, SUPPORT_PERMISSIONS_ELSEWHERE, sync_support_group


def forwards(apps, schema_editor):
    # permissions are normally made after migrate; make escrow's now so the group can hold them
    app_config = apps.get_app_config("escrow")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    sync_support_group(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def backwards(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=SUPPORT_GROUP).first()
    if group is not None:
        group.permissions.remove(
            *apps.get_model("auth", "Permission").objects.filter(
                content_type__app_label="escrow",
                codename__in=SUPPORT_PERMISSIONS_ELSEWHERE["escrow"],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("escrow", "0002_resolve_permission"),
        ("support", "0002_support_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
