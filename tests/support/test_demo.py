import pytest

from accounts import demo as accounts_demo
from accounts.models import User
from support import demo
from support.models import AppInfo, Faq, HelpArticle, Ticket
from tests.conftest import TECHAVEN

pytestmark = pytest.mark.django_db


def test_seed_fills_both_storefronts_and_is_idempotent(api, client):
    accounts_demo.seed()
    lines = demo.seed()
    demo.seed()
    assert any("agent / agent12345" in line for line in lines)
    assert set(AppInfo.objects.values_list("storefront", flat=True)) == {"techaven", "cryptoshop"}
    assert set(Faq.objects.values_list("storefront", flat=True)) == {"techaven", "cryptoshop"}
    assert set(HelpArticle.objects.values_list("storefront", flat=True)) == {
        "techaven",
        "cryptoshop",
    }
    assert set(Ticket.objects.values_list("storefront", flat=True)) == {"techaven", "cryptoshop"}
    agent = User.objects.get(username="agent")
    assert agent.is_staff and not agent.is_superuser
    assert agent.groups.filter(name="Support").exists()
    # through the admin's sign-in form, as the README tells the agent
    signed_in = client.post("/admin/login/", {"username": "agent", "password": "agent12345"})
    assert signed_in.status_code == 302
    assert client.get("/admin/support/ticket/").status_code == 200
    assert api.get(f"{TECHAVEN}/app/info").json()["data"]["app_name"] == "Techaven"
    assert api.get(f"{TECHAVEN}/help/articles/how-to-track-order").status_code == 200
