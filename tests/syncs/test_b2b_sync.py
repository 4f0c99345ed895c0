"""Native B2B against both sandboxes (contract §3 "Native B2B", "B2B prices"; issue 17 "Done when")."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from connectors.shopify.b2b import B2BAdmin
from integration_app.models import (
    CompanyLink,
    CustomerLink,
    ManagedCatalog,
    ShopSyncState,
    SyncSettings,
)
from integration_app.shopify_api import admin_api
from tests.helpers import b2b_customer, killed_until_done, run_sync

pytestmark = pytest.mark.django_db(transaction=True)

NET_30, DUE_ON_RECEIPT = "gid://shopify/PaymentTermsTemplate/4", "gid://shopify/PaymentTermsTemplate/1"
PRODUCTS = {  # SKU -> (Shopify variant price, Cin7 tier 1, tier 2)
    "A": ("15.00", "10", "9"),
    "B": ("25.00", "20", "0"),
    "C": ("8.00", "0", "0"),
    "D": ("7.00", "5", "4.5"),
    "E": ("9.00", "0", "0"),  # priced for Alpha alone
}


@pytest.fixture
def b2b_shop(installed_shop, cin7_account, sandbox_shop):
    """Three in-scope customers on two tiers, one with its own prices, one on hold, one unmappable term."""
    cin7_account.rename_tier(1, "Wholesale")
    cin7_account.rename_tier(2, "Distributor")
    cin7_account.add_payment_term("30 days", method="number of days", duration=30)
    cin7_account.add_payment_term("Due now", method="number of days", duration=0)
    cin7_account.add_payment_term("20th next month", method="day of next month", duration=20)
    for sku, (price, tier1, tier2) in PRODUCTS.items():
        cin7_account.add_product({"SKU": sku, "Name": sku, "PriceTier1": tier1, "PriceTier2": tier2})
        sandbox_shop.add_product(sku, variants=[{"sku": sku, "price": price}])
    ids = {
        "alpha": cin7_account.add_customer(
            b2b_customer(
                "Alpha",
                "alpha@example.com",
                phone="(415) 555-0101",
                PriceTier=1,
                PaymentTerm="30 days",
                TaxRule="Tax Exempt",
                ProductPrices=[
                    {"ProductSKU": "A", "Price": 8},
                    {"ProductSKU": "B", "Price": 30},
                    {"ProductSKU": "E", "Price": 6.5},
                ],
            )
        ),
        "beta": cin7_account.add_customer(
            b2b_customer(
                "Beta",
                "beta@example.com",
                phone="(415) 555-0102",
                PriceTier=2,
                PaymentTerm="Due now",
                IsOnCreditHold=True,
            )
        ),
        "gamma": cin7_account.add_customer(
            b2b_customer(
                "Gamma",
                "gamma@example.com",
                phone="(415) 555-0103",
                PriceTier=1,
                PaymentTerm="20th next month",
            )
        ),
    }
    sandbox_shop.set_plan("Shopify Plus")  # direct catalogs per tier and customer need Plus
    SyncSettings.objects.filter(shop=installed_shop).update(b2b_companies=True)
    return ids


def variant_ids(sandbox_shop):
    return {variant["sku"]: variant_id for variant_id, variant in sandbox_shop.variants.items()}


def expected_price(customer: dict, tier_code: int, sku: str) -> Decimal:
    """The contract's promise: customer price if any (not above the tier), else tier price, else retail."""
    price, *tiers = PRODUCTS[sku]
    tier = Decimal(tiers[tier_code - 1])
    own = {p["ProductSKU"]: Decimal(str(p["Price"])) for p in customer.get("ProductPrices", ())}.get(sku)
    if own is not None and (tier <= 0 or own <= tier):
        return own
    return tier if tier > 0 else Decimal(price)


def test_every_location_pays_the_cin7_price_for_every_variant(
    b2b_shop, installed_shop, sandbox_shop, cin7_account
):
    run = run_sync(installed_shop)
    b2b = sandbox_shop.b2b
    assert {c.external_id for c in b2b.companies.values()} == set(b2b_shop.values())
    api = B2BAdmin(admin_api(installed_shop).client)
    variants = variant_ids(sandbox_shop)
    customers = {cid: cin7_account.customers[cid] for cid in b2b_shop.values()}
    checked = 0
    for link in CompanyLink.objects.filter(shop=installed_shop):
        customer = customers[link.cin7_id]
        tier_code = 1 if customer["PriceTier"] == "Wholesale" else 2
        prices = api.contextual_prices(sorted(variants.values()), link.location_id)
        for sku, variant_id in variants.items():
            assert Decimal(prices[variant_id][1]) == expected_price(customer, tier_code, sku), (
                link.cin7_id,
                sku,
            )
            checked += 1
    assert checked == 3 * len(PRODUCTS)
    codes = {(i.code, i.cin7_id) for i in run.issues.all()}
    assert ("customer_price_above_tier", b2b_shop["alpha"]) in codes
    assert ("unmapped_payment_term", b2b_shop["gamma"]) in codes


def test_locations_carry_tax_terms_hold_contact_and_catalogs(b2b_shop, installed_shop, sandbox_shop):
    customers_before = len(sandbox_shop.customers)
    run_sync(installed_shop)
    b2b = sandbox_shop.b2b
    by_cin7 = {c.external_id: c for c in b2b.companies.values()}
    shopify_ids = dict(CustomerLink.objects.filter(shop=installed_shop).values_list("cin7_id", "shopify_id"))
    locations = {}
    for key, cin7_id in b2b_shop.items():
        company = by_cin7[cin7_id]
        assert len(company.location_ids) == 1
        location = locations[key] = b2b.locations[company.location_ids[0]]
        assert location.external_id == cin7_id and company.name == location.name == f"{key.title()} Trading"
        contact = b2b.contacts[company.main_contact_id]
        assert contact.customer_id == shopify_ids[cin7_id]  # the synced customer, never a second one
        roles = [b2b.roles[a.role_id].name for a in b2b.assignments.values() if a.contact_id == contact.id]
        assert roles == ["Location admin"]
    assert len(sandbox_shop.customers) == customers_before + 3
    assert [locations[k].tax_exempt for k in ("alpha", "beta", "gamma")] == [True, False, False]
    assert [locations[k].payment_terms_template_id for k in ("alpha", "beta", "gamma")] == [
        NET_30,
        DUE_ON_RECEIPT,
        None,
    ]
    assert [locations[k].checkout_to_draft for k in ("alpha", "beta", "gamma")] == [False, True, False]
    assert locations["alpha"].shipping_address.fields["address1"] == "1 Market St"
    members = {c.title: {b2b.locations[i].external_id for i in c.location_ids} for c in b2b.catalogs.values()}
    assert members == {
        "Cin7 · Wholesale": {b2b_shop["alpha"], b2b_shop["gamma"]},
        "Cin7 · Distributor": {b2b_shop["beta"]},
        "Cin7 · Alpha Trading": {b2b_shop["alpha"]},
    }
    for catalog in b2b.catalogs.values():
        price_list = b2b.price_lists[catalog.price_list_id]
        assert catalog.status == "ACTIVE" and catalog.publication_id is None
        assert (price_list.currency, price_list.adjustment_value) == ("USD", 0.0)


def b2b_calls(sandbox, since: int) -> list[str]:
    return [
        c.operation_name
        for c in sandbox.calls[since:]
        if c.mutation and (c.operation_name or "").startswith("B2B")
    ]


def test_reruns_write_nothing_then_only_what_changed(
    b2b_shop, installed_shop, shopify_sandbox, sandbox_shop, cin7_account
):
    run_sync(installed_shop)
    mark = len(shopify_sandbox.calls)
    assert run_sync(installed_shop).stats["writes"] == 0
    assert b2b_calls(shopify_sandbox, mark) == []

    cin7_account.update_customer(b2b_shop["gamma"], PriceTier=2)  # Gamma moves to Distributor
    mark = len(shopify_sandbox.calls)
    run_sync(installed_shop)
    assert b2b_calls(shopify_sandbox, mark) == ["B2BCatalogContext", "B2BCatalogContext"]
    members = {
        c.title: {sandbox_shop.b2b.locations[i].external_id for i in c.location_ids}
        for c in sandbox_shop.b2b.catalogs.values()
    }
    assert members["Cin7 · Distributor"] == {b2b_shop["beta"], b2b_shop["gamma"]}
    assert members["Cin7 · Wholesale"] == {b2b_shop["alpha"]}

    product_id = next(pid for pid, p in cin7_account.products.items() if p["SKU"] == "D")
    cin7_account.update_product(product_id, PriceTier1="5.5")
    mark = len(shopify_sandbox.calls)
    run = run_sync(installed_shop)
    assert b2b_calls(shopify_sandbox, mark) == ["B2BFixedPricesUpdate"]
    assert run.counts["variants_updated"] == 2  # the variant's cin7.price_tiers and one fixed price
    wholesale = ManagedCatalog.objects.get(shop=installed_shop, key="tier:1")
    fixed = sandbox_shop.b2b.price_lists[wholesale.price_list_id].fixed
    assert fixed[variant_ids(sandbox_shop)["D"]]["price"] == Decimal("5.5")


def forget_company_and_catalog_ids(shop):
    CompanyLink.objects.filter(shop=shop).update(company_id="", location_id="", contact_id="")
    ManagedCatalog.objects.filter(shop=shop).update(catalog_id="", price_list_id="")


def test_a_run_killed_anywhere_and_rerun_leaves_no_duplicates(b2b_shop, installed_shop, sandbox_shop):
    """Stopped before its 1st, 2nd, … B2B write; every other time also losing what it recorded locally
    (as a process killed between Shopify's answer and the database write would)."""
    SyncSettings.objects.filter(shop=installed_shop).update(b2b_companies=False)
    run_sync(installed_shop)  # customers and prices first: every later write is a B2B one
    SyncSettings.objects.filter(shop=installed_shop).update(b2b_companies=True)
    assert killed_until_done(installed_shop, forget_company_and_catalog_ids, tries=60) >= 10
    run = run_sync(installed_shop)
    assert run.status == "completed_with_issues"
    b2b = sandbox_shop.b2b
    assert len(b2b.companies) == len(b2b.locations) == len(b2b.contacts) == 3
    assert sorted(c.title for c in b2b.catalogs.values()) == [
        "Cin7 · Alpha Trading",
        "Cin7 · Distributor",
        "Cin7 · Wholesale",
    ]
    assert len(b2b.price_lists) == 3
    assert run_sync(installed_shop).stats["writes"] == 0


def test_the_plans_catalog_limit_is_an_issue_and_the_rest_syncs(b2b_shop, installed_shop, sandbox_shop):
    sandbox_shop.b2b.settings.catalog_limit = 2
    run = run_sync(installed_shop)
    assert len(sandbox_shop.b2b.companies) == 3
    assert len(sandbox_shop.b2b.catalogs) == 2
    [issue] = run.issues.filter(code="b2b_catalog_limit")
    # Created in key order: the customer's, Wholesale, then Distributor is refused.
    assert "Cin7 · Distributor" in issue.message
    rerun = run_sync(installed_shop, trigger="schedule")  # not asked again until a person syncs
    assert rerun.stats["writes"] == 0
    assert "Cin7 · Distributor" in rerun.issues.get(code="b2b_catalog_limit").message
    sandbox_shop.b2b.settings.catalog_limit = None  # the merchant upgraded, then clicked Sync now
    run_sync(installed_shop, trigger="manual")
    assert len(sandbox_shop.b2b.catalogs) == 3


def test_without_b2b_on_the_plan_nothing_b2b_is_written(b2b_shop, installed_shop, sandbox_shop):
    sandbox_shop.b2b.settings.enabled = False
    run = run_sync(installed_shop)
    assert sandbox_shop.b2b.companies == {}
    assert run.issues.filter(code="b2b_unavailable").count() == 1
    assert run.counts["created"] == 3  # customers still synced


def test_untagged_with_strip_leaves_the_apps_catalogs_and_keeps_its_company(
    b2b_shop, installed_shop, sandbox_shop, cin7_account
):
    SyncSettings.objects.filter(shop=installed_shop).update(on_untag="strip")
    run_sync(installed_shop)
    cin7_account.update_customer(b2b_shop["alpha"], Tags="")
    run_sync(installed_shop)
    b2b = sandbox_shop.b2b
    alpha = next(c for c in b2b.companies.values() if c.external_id == b2b_shop["alpha"])
    assert b2b.catalogs_of(alpha.location_ids[0]) == []
    assert len(b2b.companies) == 3
    members = {c.title: {b2b.locations[i].external_id for i in c.location_ids} for c in b2b.catalogs.values()}
    assert members["Cin7 · Wholesale"] == {b2b_shop["gamma"]}


def test_the_preview_lists_companies_and_catalogs_and_the_page_counts_them(
    b2b_shop, installed_shop, sandbox_shop, api
):
    preview = run_sync(installed_shop, dry_run=True)
    assert sandbox_shop.b2b.companies == {}
    planned = {
        (e["action"], e.get("company") or e.get("catalog"))
        for e in preview.plan
        if "company" in e or "catalog" in e
    }
    assert planned == {
        ("create", "Alpha Trading"),
        ("create", "Beta Trading"),
        ("create", "Gamma Trading"),
        ("create", "Cin7 · Wholesale"),
        ("create", "Cin7 · Distributor"),
        ("create", "Cin7 · Alpha Trading"),
    }
    run_sync(installed_shop)
    assert api("get", "/api/settings").json()["b2b_managed"] == {
        "companies": 3,
        "locations": 3,
        "buyers": 3,
        "catalogs": 3,
        "price_breaks": 0,
    }


def test_a_grant_without_the_needed_scopes_is_an_issue_not_a_crash(b2b_shop, installed_shop, sandbox_shop):
    type(installed_shop).objects.filter(pk=installed_shop.pk).update(scopes="read_customers,read_products")
    installed_shop.refresh_from_db()
    run = run_sync(installed_shop)
    assert run.status == "completed_with_issues"
    [issue] = run.issues.filter(code="missing_scopes")
    assert "write_customers, write_products" in issue.message
    assert sandbox_shop.b2b.companies == {}


def test_a_renamed_tier_renames_its_catalog(b2b_shop, installed_shop, sandbox_shop, cin7_account):
    run_sync(installed_shop)
    cin7_account.rename_tier(1, "Trade")
    run_sync(installed_shop)
    titles = sorted(c.title for c in sandbox_shop.b2b.catalogs.values())
    assert titles == ["Cin7 · Alpha Trading", "Cin7 · Distributor", "Cin7 · Trade"]
    assert run_sync(installed_shop).stats["writes"] == 0


@pytest.mark.parametrize("location", [{"name": "HQ"}, None], ids=["with a location", "without"])
def test_a_company_already_in_shopify_with_the_external_id_is_adopted(
    b2b_shop, installed_shop, sandbox_shop, location
):
    """No local record (e.g. a restored database): Shopify refuses the taken externalId; the app adopts it."""
    api = B2BAdmin(admin_api(installed_shop).client)
    data = {"company": {"name": "Alpha (made by hand)", "externalId": b2b_shop["alpha"]}}
    company, errors = api.create_company({**data, "companyLocation": location} if location else data)
    assert company and not errors
    run_sync(installed_shop)
    b2b = sandbox_shop.b2b
    assert len(b2b.companies) == 3
    alpha = b2b.companies[company["id"]]
    assert len(alpha.location_ids) == 1
    assert alpha.name == "Alpha Trading" and b2b.locations[alpha.location_ids[0]].name == "Alpha Trading"
    assert alpha.main_contact_id is not None


def test_a_catalog_deleted_in_shopify_is_made_again_on_the_next_full_run(
    b2b_shop, installed_shop, sandbox_shop, cin7_account
):
    run_sync(installed_shop)
    b2b = sandbox_shop.b2b
    wholesale = next(c for c in b2b.catalogs.values() if c.title == "Cin7 · Wholesale")
    del b2b.price_lists[wholesale.price_list_id], b2b.catalogs[wholesale.id]  # the merchant deleted it
    assert run_sync(installed_shop, full=False).stats["writes"] == 0  # incremental runs trust what they wrote
    run_sync(installed_shop)
    again = next(c for c in b2b.catalogs.values() if c.title == "Cin7 · Wholesale")
    assert {b2b.locations[i].external_id for i in again.location_ids} == {
        b2b_shop["alpha"],
        b2b_shop["gamma"],
    }
    variants = variant_ids(sandbox_shop)
    fixed = b2b.price_lists[again.price_list_id].fixed
    assert {v: fixed[v]["price"] for v in fixed} == {
        variants["A"]: Decimal("10"),
        variants["B"]: Decimal("20"),
        variants["D"]: Decimal("5"),
    }
    assert run_sync(installed_shop).stats["writes"] == 0


def test_an_incremental_run_that_reads_no_change_skips_the_b2b_phase(
    b2b_shop, installed_shop, shopify_sandbox
):
    run_sync(installed_shop)
    later = timezone.now() + timedelta(hours=1)  # past the overlap window: Cin7 has nothing newer
    ShopSyncState.objects.filter(shop=installed_shop).update(
        customers_watermark=later, products_watermark=later
    )
    mark = len(shopify_sandbox.calls)
    run = run_sync(installed_shop, full=False)
    assert run.counts["read"] == 0
    assert "ref/paymentterm" not in run.stats["cin7_by_endpoint"]
    assert [
        c.operation_name for c in shopify_sandbox.calls[mark:] if c.operation_name.startswith("B2B")
    ] == []
