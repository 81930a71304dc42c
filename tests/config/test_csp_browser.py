"""The Content-Security-Policy in a real browser (security finding 12): the admin, the
sandbox payment pages, Swagger UI and the seller back office work under it, and Chromium
reports no violation on any of them.

Headless Chromium from Debian's package, driven by Playwright (`executable_path`), against
pytest-django's live server (WSGI, static files served) on the test database.
"""

import pytest

from tests.conftest import TECHAVEN, techaven_client
from tests.factories.accounts import DEFAULT_PASSWORD, StaffUserFactory, TechavenUserFactory
from tests.factories.catalog import ShopFactory
from tests.helpers.browser import BROWSER_TEST, launch

pytestmark = BROWSER_TEST


@pytest.mark.django_db(transaction=True)
def test_no_page_breaks_the_policy_in_a_browser(live_server):
    from playwright.sync_api import expect, sync_playwright

    staff = StaffUserFactory(is_superuser=True)
    seller = ShopFactory(owner=TechavenUserFactory()).owner
    topup = techaven_client(TechavenUserFactory()).post(
        f"{TECHAVEN}/wallet/topup",
        {"amount": 10_000, "payment_method": "mobile_money", "phone_number": "+265991234567"},
    )
    pay_page = "/pay/" + topup.json()["data"]["payment_url"].split("/pay/", 1)[1]
    base = live_server.url
    violations: list[str] = []

    with sync_playwright() as pw:
        browser = launch(pw)
        try:

            def open_page():
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.on(
                    "console",
                    lambda msg: (
                        violations.append(f"{page.url}: {msg.text}")
                        if "Content Security Policy" in msg.text
                        else None
                    ),
                )
                return page

            # the admin: sign in, the index, a list, a change form, the sign-in records
            page = open_page()
            page.goto(f"{base}/admin/")
            page.fill("#id_username", staff.username)
            page.fill("#id_password", DEFAULT_PASSWORD)
            page.click("input[type=submit]")
            expect(page.locator("#site-name")).to_be_visible()
            # the sandbox warning's colour comes from a style sheet now, not an attribute
            warning = page.locator("#payments-module .payments-warning").first
            expect(warning).to_have_css("color", "rgb(186, 33, 33)")
            for url in (
                "/admin/accounts/user/",
                f"/admin/accounts/user/{staff.pk}/change/",
                "/admin/catalog/product/add/",
                "/admin/axes/accesslog/",
            ):
                page.goto(base + url)
                expect(page.locator("#content")).to_be_visible()
            page.screenshot(path="/tmp/csp_admin.png", full_page=True)

            # the sandbox payment pages
            page = open_page()
            page.goto(base + pay_page)
            expect(page.locator("h1")).to_contain_text("sandbox")
            width = page.evaluate("getComputedStyle(document.body).maxWidth")
            assert width == "512px"  # the page's style sheet applies
            page.click("button[value=approve]")
            expect(page.locator("#result")).to_contain_text("Payment approved")
            page.goto(f"{base}/pay/sandbox/btc/")
            expect(page.locator("h1")).to_contain_text("Bitcoin")
            page.click("button:text-is('Mine')")
            expect(page.locator("#tip")).to_have_text("1")
            page.screenshot(path="/tmp/csp_sandbox_btc.png", full_page=True)

            # Swagger UI renders each storefront's schema and can try an endpoint
            for storefront, title in (("techaven", "Techaven API"), ("cryptoshop", "CryptoShop")):
                page = open_page()
                page.goto(f"{base}/{storefront}/api/docs/")
                expect(page.locator(".swagger-ui .info .title")).to_contain_text(title)
                page.screenshot(path=f"/tmp/csp_docs_{storefront}.png")
            page = open_page()
            page.goto(f"{base}/techaven/api/docs/")
            page.click("#operations-categories-categories_retrieve .opblock-summary")
            page.click("#operations-categories-categories_retrieve .try-out__btn")
            page.click("#operations-categories-categories_retrieve .execute")
            expect(page.locator(".live-responses-table tbody .response-col_status")).to_have_text(
                "200"
            )

            # the seller back office: its sign-in form and the browsable pages
            page = open_page()
            page.goto(f"{base}/seller/api/auth/login/?next=/seller/api/")
            page.fill("#id_username", seller.username)
            page.fill("#id_password", DEFAULT_PASSWORD)
            page.click("#submit-id-submit")
            expect(page.locator(".breadcrumb")).to_contain_text("Seller Root")
            page.goto(f"{base}/seller/api/products/")
            expect(page.locator(".response-info")).to_be_visible()
            page.screenshot(path="/tmp/csp_seller.png", full_page=True)
            # "Log out" is DRF's inline onclick, let through by its hash
            page.click(".navbar .pull-right .dropdown-toggle")
            page.click("text=Log out")
            expect(page.locator(".navbar .pull-right")).to_contain_text("Log in")
        finally:
            browser.close()

    assert violations == [], "\n".join(violations)
