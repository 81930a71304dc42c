"""A support agent works a ticket in a real browser; the user then reads the reply over HTTP.

Headless Chromium from Debian's package, driven by Playwright (`executable_path`), against
pytest-django's live server (WSGI, static files served) on the test database.
"""

import httpx
import pytest

from accounts.services.cryptoshop_auth import cryptoshop_user_register
from support import services
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.helpers.browser import BROWSER_TEST, launch

SCREENSHOT = "/tmp/support_admin_ticket.png"

pytestmark = BROWSER_TEST


@pytest.mark.django_db(transaction=True)
def test_agent_replies_and_resolves_in_the_admin_and_the_user_sees_it(live_server, agent):
    from playwright.sync_api import expect, sync_playwright

    account = cryptoshop_user_register()
    ticket = services.ticket_create(
        user=account.user,
        subject="Product not delivered",
        content="I ordered a product but haven't received it yet.",
        category="Delivery",
    )
    base = live_server.url

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(f"{base}/admin/")
            page.fill("#id_username", agent.username)
            page.fill("#id_password", DEFAULT_PASSWORD)
            page.click("input[type=submit]")
            expect(page.locator("#site-name")).to_be_visible()

            page.get_by_role("link", name="Tickets", exact=True).first.click()
            expect(page.locator("#result_list")).to_contain_text("Product not delivered")
            page.get_by_role("link", name=ticket.number).click()

            expect(page.locator("body")).to_contain_text(
                "I ordered a product but haven't received it yet."
            )
            page.fill("#id_reply", "We found your parcel; it arrives tomorrow.")
            page.select_option("#id_status", "RESOLVED")
            page.click("input[name=_continue]")
            expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
            expect(page.locator("body")).to_contain_text(
                "We found your parcel; it arrives tomorrow."
            )
            expect(page.locator("#id_status")).to_have_value("RESOLVED")
            page.screenshot(path=SCREENSHOT, full_page=True)
        finally:
            browser.close()

    response = httpx.get(
        f"{base}/cryptoshop/api/support/ticket_{ticket.uid}",
        headers={"Authorization": f"Bearer {account.access_token}"},
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == "RESOLVED"
    assert data["resolvedAt"] is not None
    reply = data["messages"][-1]
    assert reply["isStaff"] is True
    assert reply["content"] == "We found your parcel; it arrives tomorrow."
    assert reply["user"]["username"] == agent.username
