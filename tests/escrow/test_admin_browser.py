"""Staff split a disputed escrow in a real browser; buyer and seller then read their wallets
over HTTP.

Headless Chromium from Debian's package, driven by Playwright (`executable_path`), against
pytest-django's live server (WSGI, static files served) on the test database.
"""

import json
from decimal import Decimal

import httpx
import pytest
from rest_framework.test import APIClient

from accounts.services.cryptoshop_auth import cryptoshop_user_register
from escrow.models import Escrow
from tests.factories.accounts import DEFAULT_PASSWORD, StaffUserFactory
from tests.factories.catalog import CryptoShopProductFactory, CryptoShopSellerFactory
from tests.helpers.browser import BROWSER_TEST, launch
from tests.helpers.escrow import create_escrow, dispute, place_order
from tests.helpers.orders import fund_btc

QUEUE_SCREENSHOT = "/tmp/escrow_admin_queue.png"
SPLIT_SCREENSHOT = "/tmp/escrow_admin_split.png"
SETTLED_SCREENSHOT = "/tmp/escrow_admin_settled.png"

pytestmark = BROWSER_TEST


def api_client(account) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {account.access_token}")
    return client


def balance_btc(base: str, account) -> Decimal:
    response = httpx.get(
        f"{base}/cryptoshop/api/wallet",
        headers={"Authorization": f"Bearer {account.access_token}"},
    )
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal)["data"]["balanceBtc"]


@pytest.mark.django_db(transaction=True)
def test_staff_split_a_disputed_escrow_and_both_wallets_show_it(live_server):
    from playwright.sync_api import expect, sync_playwright

    buyer, seller = cryptoshop_user_register(), cryptoshop_user_register()
    shop = CryptoShopSellerFactory(owner=seller.user, name="SecureNet")
    product = CryptoShopProductFactory(shop=shop, name="Premium VPN", price_minor=250_000)
    fund_btc(buyer.user, 1_000_000)
    buyer_api = api_client(buyer)
    response = create_escrow(buyer_api, place_order(buyer_api, product))  # 0.0025 BTC
    assert response.status_code == 201 and response.json()["data"]["status"] == "FUNDED"
    escrow_id = response.json()["data"]["id"]
    assert dispute(buyer_api, escrow_id, "The key never arrived").status_code == 200
    staff = StaffUserFactory(is_superuser=True, username="trust_safety")
    base = live_server.url

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1000})
            page.goto(f"{base}/admin/")
            page.fill("#id_username", staff.username)
            page.fill("#id_password", DEFAULT_PASSWORD)
            page.click("input[type=submit]")
            expect(page.locator("#site-name")).to_be_visible()

            page.get_by_role("link", name="Escrows", exact=True).first.click()
            row = page.locator("#result_list tbody tr", has_text=escrow_id)
            expect(row).to_contain_text("The key never arrived")
            expect(row).to_contain_text("0.00250000 BTC")
            page.screenshot(path=QUEUE_SCREENSHOT, full_page=True)

            row.locator("input.action-select").check()
            page.select_option("select[name=action]", "split")
            page.click("button[name=index]")

            expect(page.locator("h1")).to_contain_text("Split between buyer and seller")
            expect(page.locator("#escrow-total")).to_have_text("0.00250000 BTC")
            page.fill("#id_seller_amount", "0.001")
            page.fill("#id_reason", "Part of the keys were delivered: 40 % to the seller.")
            page.screenshot(path=SPLIT_SCREENSHOT, full_page=True)
            page.click("input[name=confirm]")

            expect(page.locator(".messagelist")).to_contain_text(
                f"Escrow {escrow_id} settled. Split: 0.00100000 BTC to the seller"
            )
            # back on the escrow's page: settled, with the ledger's four movements
            expect(page.locator("div.fieldBox.field-resolution")).to_contain_text("Split")
            expect(page.locator("div.form-row.field-ledger")).to_contain_text("escrow-refund:")
            expect(page.locator("div.form-row.field-ticket_conversation")).to_contain_text("Closed")
            page.screenshot(path=SETTLED_SCREENSHOT, full_page=True)
        finally:
            browser.close()

    escrow = Escrow.objects.get(uid=escrow_id.removeprefix("escrow_"))
    assert (escrow.status, escrow.resolved_by_id) == ("SPLIT", staff.pk)
    # 1,000,000 − 250,000 + 150,000 sat, and 100,000 less the 1 % fee
    assert balance_btc(base, buyer) == Decimal("0.009")
    assert balance_btc(base, seller) == Decimal("0.00099")
