"""What the page shows right after *Save* (issue 27 item 10): the overview follows the save's answer at
once, and the tax-rule picker never falls back to "Loading tax rules from Cin7…" while it has choices.

The calls the page makes after a save to read Cin7 again (`GET /api/cin7/options`, a connection test) are
held in the browser, as when Cin7 is slow, and released later: nothing shown may wait for them.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.conftest import CIN7_ACCOUNT, CIN7_KEY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOADING = "Loading tax rules from Cin7…"


class HeldCin7Reads:
    """Holds the page's Cin7 reads (GET options, connection tests) until `release()`."""

    def __init__(self, page):
        self.held = []
        page.route("**/api/cin7/options", self._hold_get)
        page.route("**/api/settings/test-connection", self._hold)

    def _hold(self, route):
        self.held.append(route)

    def _hold_get(self, route):
        if route.request.method == "GET":
            self.held.append(route)
        else:
            route.continue_()

    def release(self):
        for route in self.held:
            route.continue_()
        self.held.clear()


def test_after_save_the_overview_says_connected_and_the_tax_rules_stay(
    open_app, page, sandbox_shop, cin7_account
):
    page = open_app()
    overview = page.locator("#status-list")
    expect(overview).to_contain_text("Not connected")
    page.get_by_label("Account ID").fill(CIN7_ACCOUNT)
    page.get_by_label("API key").fill(CIN7_KEY)
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#connection-result")).to_contain_text("Connected to Acme Wholesale")
    expect(page.get_by_label("Tax Exempt", exact=True)).to_be_visible()

    held = HeldCin7Reads(page)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#form-banner")).to_contain_text("Settings saved")
    expect(overview).not_to_contain_text("Not connected")
    expect(overview).to_contain_text("Connected Acme Wholesale")
    expect(page.locator('[data-banner="setup"]')).to_contain_text("Test connection, and save. Done.")
    expect(page.locator("#tax-rules")).not_to_contain_text(LOADING)
    expect(page.get_by_label("Tax Exempt", exact=True)).to_be_visible()
    screenshot(page, "30-just-saved-cin7-slow")

    held.release()
    expect(page.locator("#tax-rules")).not_to_contain_text(LOADING)
    expect(page.get_by_label("Sales Tax", exact=True)).to_be_visible()
    expect(overview).to_contain_text("Connected Acme Wholesale")
    screenshot(page, "31-saved-cin7-answered")


def test_saved_credentials_never_tested_show_loading_until_the_options_arrive(
    open_app, page, sandbox_shop, cin7_account
):
    page = open_app()
    page.get_by_label("Account ID").fill(CIN7_ACCOUNT)
    page.get_by_label("API key").fill(CIN7_KEY)
    held = HeldCin7Reads(page)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#form-banner")).to_contain_text("Settings saved")
    expect(page.locator("#status-list")).to_contain_text("Connected Acme Wholesale")
    expect(page.locator("#tax-rules")).to_contain_text(LOADING)  # nothing to show yet
    held.release()
    expect(page.get_by_label("Tax Exempt", exact=True)).to_be_visible()
    expect(page.locator("#tax-rules")).not_to_contain_text(LOADING)
    screenshot(page, "32-saved-untested-options-arrived")
