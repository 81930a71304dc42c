"""The "Support" staff group: only what support work needs (no deletions, no users, no orders).

The data migration creates it; `support_group()` restores it where a test database was flushed.
Other apps' data migrations call `sync_support_group` again once their permissions exist.
"""

from __future__ import annotations

from django.db.models import Q

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
# other apps' screens support works from: the escrow queue, read only (settling a dispute
# takes `escrow.resolve_escrow`, given to trust-and-safety staff, never to this group)
SUPPORT_PERMISSIONS_ELSEWHERE = {"escrow": ("view_escrow", "view_participant")}


def sync_support_group(group_model, permission_model):
    """Works with the real models and with a migration's historical ones. The group's
    permissions are exactly these: one place says what support may do, and re-syncing it
    (a demo seed, a test) never drops another app's part."""
    wanted = Q(content_type__app_label="support", codename__in=SUPPORT_PERMISSIONS)
    for app_label, codenames in SUPPORT_PERMISSIONS_ELSEWHERE.items():
        wanted |= Q(content_type__app_label=app_label, codename__in=codenames)
    group, _ = group_model.objects.get_or_create(name=SUPPORT_GROUP)
    group.permissions.set(permission_model.objects.filter(wanted))
    return group


def support_group():
    from django.contrib.auth.models import Group, Permission

    return sync_support_group(Group, Permission)
