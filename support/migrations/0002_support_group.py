"""The "Support" staff group with only the permissions support work needs."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from support.permissions import SUPPORT_GROUP, sync_support_group


def forwards(apps, schema_editor):
    # permissions are normally made after migrate; make support's now so the group can hold them
    app_config = apps.get_app_config("support")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    sync_support_group(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=SUPPORT_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
