"""The page's "Shopify B2B" section in headless Chromium: the toggle, its reason, the managed counts, the
plan's mode with what reaches checkout, and the picker of the tiers served below Plus."""

import pytest
from playwright.sync_api import expect

from integration_app.models import CompanyLink, ManagedCatalog, Shop, ShopSyncState, SyncSettings
from tests.browser.conftest import screenshot
from tests.helpers import MARKETS_FACTS

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


@pytest.fixture
def b2b_shop(installed_shop, cin7_account):
    """A shop with B2B on whose last B2B run recorded the given facts; Cin7 tiers with real names."""
    for code, name in enumerate(["Wholesale", "Trade", "Distributor", "Export", "Retail"], start=1):
        cin7_account.rename_tier(code, name)
    SyncSettings.objects.filter(shop=installed_shop).update(b2b_companies=True)

    def with_facts(facts):
        Shop.objects.filter(pk=installed_shop.pk).update(b2b=facts)
        return installed_shop

    return with_facts


def test_below_plus_the_page_says_what_reaches_checkout_and_picks_up_to_three_tiers(open_app, page, b2b_shop):
    shop = b2b_shop(MARKETS_FACTS)
    open_app()
    expect(page.locator("#b2b-mode")).to_have_text(
        "Below Plus: up to 3 price tiers reach checkout through B2B markets."
    )
    reach = page.locator("#b2b-reach li")
    expect(reach).to_have_text(
        [
            "2 tiers not served: Distributor (4 customers), Export (1 customer) pay retail.",
            "3 customers' own prices stay in metafields (need Plus).",
        ]
    )
    tiers = page.locator("#market-tiers")
    expect(tiers.locator("label")).to_have_count(10)  # Cin7's ten tiers, from the options the page loads
    expect(tiers).to_contain_text("Wholesale — served now")
    expect(page.locator("#b2b_market_tiers-help")).to_contain_text("Served now: Wholesale, Trade.")
    for name in ("Wholesale", "Trade", "Export"):
        tiers.locator(f'input[value="{name}"]').check()
    expect(tiers.locator('input[value="Distributor"]')).to_be_disabled()  # 3 is the limit
    expect(page.locator("#b2b_market_tiers-help")).to_contain_text("3 chosen, the most Shopify allows")
    screenshot(page, "b2b-markets-picker")
    tiers.locator('input[value="Trade"]').uncheck()
    expect(tiers.locator('input[value="Distributor"]')).to_be_enabled()
    tiers.locator('input[value="Distributor"]').check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#form-banner")).to_contain_text("Settings saved")
    saved = SyncSettings.objects.get(shop=shop).b2b_market_tiers
    assert saved == ["Wholesale", "Export", "Distributor"]
    expect(tiers.locator("input:checked")).to_have_count(3)
    expect(page.locator("#dirty-note")).to_have_text("")


def test_a_tier_cin7_no_longer_has_is_refused_next_to_the_picker(open_app, page, b2b_shop):
    shop = b2b_shop(MARKETS_FACTS)
    open_app()
    expect(page.locator('#market-tiers input[value="Retail"]')).to_be_visible()
    names = [*ShopSyncState.objects.get(shop=shop).price_tier_names]
    names[4] = "Outlet"  # renamed in Cin7 and read again (a pricing run) after the page loaded its tiers
    ShopSyncState.objects.filter(shop=shop).update(price_tier_names=names)
    page.locator('#market-tiers input[value="Retail"]').check()
    page.get_by_role("button", name="Save", exact=True).click()
    error = page.locator("#b2b_market_tiers-error")
    expect(error).to_contain_text("Cin7 has no price tier named “Retail”")
    expect(page.locator("#form-banner")).to_contain_text("Price tiers served at checkout: Cin7 has no")
    assert SyncSettings.objects.get(shop=shop).b2b_market_tiers == []
    screenshot(page, "b2b-markets-refused")


def test_on_plus_every_tier_reaches_checkout_and_there_is_nothing_to_pick(open_app, page, b2b_shop):
    b2b_shop({**MARKETS_FACTS, "mode": "direct", "plan": "Shopify Plus", "served_tiers": []})
    open_app()
    expect(page.locator("#b2b-mode")).to_have_text(
        "Shopify Plus: every price tier and customer-specific price reaches checkout."
    )
    expect(page.locator("#b2b_market_tiers-field")).to_be_hidden()
    expect(page.locator("#b2b-reach li")).to_have_count(0)
    screenshot(page, "b2b-plus")


def test_the_counts_show_a_head_office_with_its_branches_and_their_buyers(open_app, page, b2b_shop):
    """Companies as Cin7 shapes them: one company for a head office and its 2 branches (3 locations);
    its main contact is a buyer at each, the branches' own contacts too (counted once each)."""
    shop = b2b_shop({})
    head = {"customer": "gid://shopify/Customer/1"}
    links = {
        "HQ": ("gid://shopify/Company/1", "gid://shopify/CompanyLocation/1", head),
        "NORTH": (
            "gid://shopify/Company/1",
            "gid://shopify/CompanyLocation/2",
            {
                "customer": "gid://shopify/Customer/2",
                "buyers": {
                    "boss@acme.test": {"customer": "gid://shopify/Customer/1"},
                    "north@acme.test": {"customer": "gid://shopify/Customer/2"},
                    "clerk@acme.test": {"customer": "gid://shopify/Customer/3"},
                },
            },
        ),
        "SOUTH": (
            "gid://shopify/Company/1",
            "gid://shopify/CompanyLocation/3",
            {"buyers": {"boss@acme.test": {"customer": "gid://shopify/Customer/1"}}},
        ),
        "LONE": (
            "gid://shopify/Company/2",
            "gid://shopify/CompanyLocation/4",
            {"customer": "gid://shopify/Customer/4"},
        ),
    }
    for cin7_id, (company, location, written) in links.items():
        CompanyLink.objects.create(
            shop=shop, cin7_id=cin7_id, company_id=company, location_id=location, written=written
        )
    open_app()
    expect(page.locator("#b2b-counts")).to_contain_text("Companies2Locations4Buyers4Catalogs0")
    page.locator("#b2b-heading").scroll_into_view_if_needed()
    screenshot(page, "b2b-company-trees")


def test_pack_sizes_are_chosen_on_the_page_and_price_breaks_counted(open_app, page, b2b_shop):
    shop = b2b_shop(MARKETS_FACTS)
    ManagedCatalog.objects.create(
        shop=shop,
        key="market:1",
        title="Cin7 · Wholesale",
        catalog_id="gid://shopify/MarketCatalog/1",
        price_list_id="gid://shopify/PriceList/1",
        volume={
            "price_list_id": "gid://shopify/PriceList/1",
            "variants": {
                "gid://shopify/ProductVariant/1": {"breaks": [[10, "9.00"], [25, "8.00"]], "pack_size": 5}
            },
        },
    )
    open_app()
    expect(page.locator("#b2b-counts")).to_contain_text("Price breaks2")
    expect(page.get_by_label("B2B buyers order single units")).to_be_checked()
    page.get_by_label("B2B buyers order whole cartons (Cin7 carton quantity)").check()
    screenshot(page, "b2b-pack-sizes")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#form-banner")).to_contain_text("Settings saved")
    assert SyncSettings.objects.get(shop=shop).b2b_pack_size == "carton"
