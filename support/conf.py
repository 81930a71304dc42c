"""Support settings, read at call time so tests and deployments can override them."""

from django.conf import settings

MB = 1024 * 1024


def attachment_max_bytes() -> int:
    # BRIEF 12 sets 5 MB for avatars; ticket screenshots get the same ceiling
    return getattr(settings, "SUPPORT_ATTACHMENT_MAX_BYTES", 5 * MB)


def max_attachments() -> int:
    return getattr(settings, "SUPPORT_MAX_ATTACHMENTS", 5)
