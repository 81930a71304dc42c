"""`{% ledger_audit_notice %}`: the admin index's line about a failed ledger audit."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from wallet.models import LedgerAudit

register = template.Library()


@register.simple_tag(takes_context=True)
def ledger_audit_notice(context) -> str:
    """Shown while the latest audit run is a failed one, to staff who may see the audits."""
    request = context.get("request")
    if request is None or not request.user.has_perm("wallet.view_ledgeraudit"):
        return ""
    latest = LedgerAudit.objects.order_by("-created_at", "-id").only("ok", "created_at").first()
    if latest is None or latest.ok:
        return ""
    url = reverse("admin:wallet_ledgeraudit_changelist") + "?ok__exact=0"
    when = timezone.localtime(latest.created_at).strftime("%Y-%m-%d %H:%M %Z")
    return format_html(
        '<ul class="messagelist"><li class="error">Ledger audit failed at {} — see '
        '<a href="{}">Ledger audits</a>.</li></ul>',
        when,
        url,
    )
