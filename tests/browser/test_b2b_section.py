"""The page's "Shopify B2B" section in headless Chromium: the toggle, its reason, the managed counts."""

import pytest
from playwright.sync_api import expect

from integration_app.models import SyncSettings
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_b2b_is_turned_on_from_the_page(open_app, page, installed_shop):
    open_app()
    toggle = page.get_by_label("Sync customers as Shopify B2B companies")
    expect(toggle).to_be_enabled()
    expect(toggle).not_to_be_checked()
    expect(page.locator("#b2b-counts")).to_contain_text("Companies0")
    toggle.check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#form-banner")).to_contain_text("Settings saved")
    assert SyncSettings.objects.get(shop=installed_shop).b2b_companies is True
    screenshot(page, "b2b-on")


def test_without_b2b_on_the_plan_the_toggle_is_disabled_with_the_reason(
    open_app, page, installed_shop, sandbox_shop
):
    sandbox_shop.b2b.settings.enabled = False
    sandbox_shop.b2b.settings.plan = "Starter"
    open_app()
    expect(page.get_by_label("Sync customers as Shopify B2B companies")).to_be_disabled()
    expect(page.locator("#b2b_companies-help")).to_have_text(
        "Shopify B2B is not available on this shop's plan (Starter)."
    )
    screenshot(page, "b2b-unavailable")
