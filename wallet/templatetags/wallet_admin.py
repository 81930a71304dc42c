"""The admin index's additions: `{% ledger_audit_notice %}`, the line about a failed ledger
audit, and `{% payments_panel %}`, what serves each payment provider right now."""

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from wallet.models import LedgerAudit
from wallet.providers import PROVIDER_NAMES, providers_live

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


@register.inclusion_tag("wallet/admin_payments.html")
def payments_panel() -> dict:
    """Always shown on the index (to staff: it is the admin's): `sandbox`, `off` or the real
    adapter for each provider and the BTC chain, as `/readyz` reports them. The sandbox
    approves whatever a visitor clicks, so where it serves a deployment with DEBUG off (a
    demo, `PAYMENTS_SANDBOX=true`) it is shown as a warning."""
    names = {**PROVIDER_NAMES, "btc_chain": "BTC chain"}
    rows = [
        {"key": key, "name": names.get(key, key), "served_by": served_by}
        for key, served_by in providers_live().items()
    ]
    return {"rows": rows, "warn_sandbox": not settings.DEBUG}
