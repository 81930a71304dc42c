"""The "Support" staff group: only what support work needs (no deletions, no users, no orders).

The data migration creates it; `support_group()` restores it where a test database was flushed.
"""

from __future__ import annotations

SUPPORT_GROUP = "Support"
SUPPORT_PERMISSIONS = (
    "view_ticket",
    "change_ticket",
    "view_message",
    "add_message",
    "view_attachment",
    "view_helptopic",
    "add_helptopic",
    "change_helptopic",
    "view_helparticle",
    "add_helparticle",
    "change_helparticle",
    "view_faq",
    "add_faq",
    "change_faq",
    "view_appinfo",
    "change_appinfo",
)


def sync_support_group(group_model, permission_model):
    """Works with the real models and with a migration's historical ones."""
    group, _ = group_model.objects.get_or_create(name=SUPPORT_GROUP)
    group.permissions.set(
        permission_model.objects.filter(
            content_type__app_label="support", codename__in=SUPPORT_PERMISSIONS
        )
    )
    return group


def support_group():
    from django.contrib.auth.models import Group, Permission

    return sync_support_group(Group, Permission)
