"""The settings page tells the merchant whether Cin7 changes arrive at once (Cin7 webhooks) or wait for the
schedule, and why (contract §4 "Freshness"), in headless Chromium against both sandboxes."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.conftest import CIN7_KEY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def save_api_key(page) -> None:
    """Enter the Cin7 API key and save: saving registers Cin7 webhooks where the account allows them."""
    page.get_by_label("API key").fill(CIN7_KEY)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#form-banner")).to_contain_text("Settings saved")


def test_without_the_automation_module_the_page_says_why_and_polling_goes_on(
    open_app, page, installed_shop, cin7_account
):
    cin7_account.automation_module = False
    open_app()
    status = page.locator("#cin7-webhooks")
    expect(status).to_contain_text("Off")
    save_api_key(page)

    open_app()
    expect(status).to_contain_text("Unavailable")
    expect(status).to_contain_text("they reach Shopify with the scheduled sync every 15 minutes")
    expect(status).to_contain_text("Automation module")
    expect(page.locator("#next-sync")).not_to_contain_text("Not yet")  # the schedule runs
    screenshot(page, "cin7-webhooks-unavailable")

    cin7_account.automation_module = True
    save_api_key(page)
    open_app()
    expect(status).to_contain_text("On")
    expect(status).to_contain_text("within about two minutes")
