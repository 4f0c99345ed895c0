"""Native B2B below Plus: B2B markets per served tier (contract §3 "B2B prices below Plus"; issue 24)."""

from decimal import Decimal

import pytest

from connectors.shopify.b2b import B2BAdmin
from connectors.shopify.sandbox.b2b.store import DIRECT
from integration_app.models import CompanyLink, ManagedCatalog, Shop, SyncSettings
from integration_app.shopify_api import admin_api
from tests.helpers import b2b_customer, killed_until_done, run_sync

pytestmark = pytest.mark.django_db(transaction=True)

MARKET_SCOPES = (
    "read_customers",
    "write_customers",
    "read_products",
    "write_products",
    "read_markets",
    "write_markets",
)
TIERS = {1: "Wholesale", 2: "Distributor", 3: "VIP Trade", 4: "Export"}
PRODUCTS = {  # SKU -> (Shopify variant price, Cin7 tiers 1-4)
    "A": ("15.00", "10", "9", "12", "11"),
    "B": ("25.00", "20", "0", "22", "21"),
    "C": ("8.00", "0", "0", "0", "0"),
    "D": ("7.00", "5", "4.5", "6", "6.5"),
}
CUSTOMERS = {  # key -> tier code, own prices
    "w1": (1, [{"ProductSKU": "A", "Price": 8}]),
    "w2": (1, []),
    "w3": (1, []),
    "d1": (2, []),
    "d2": (2, []),
    "v1": (3, []),
    "e1": (4, [{"ProductSKU": "D", "Price": 3}]),
}


@pytest.fixture
def grow_shop(installed_shop, shopify_sandbox, cin7_account, sandbox_shop):
    """A Grow shop whose grant has the markets scopes; tiers used by 3, 2, 1 and 1 customers."""
    token = shopify_sandbox.issue_token(installed_shop.domain, scopes=MARKET_SCOPES)
    Shop.objects.filter(pk=installed_shop.pk).update(access_token=token, scopes=",".join(MARKET_SCOPES))
    for code, name in TIERS.items():
        cin7_account.rename_tier(code, name)
    cin7_account.add_payment_term("30 days", method="number of days", duration=30)
    for sku, (price, *tiers) in PRODUCTS.items():
        prices = {f"PriceTier{code}": amount for code, amount in enumerate(tiers, start=1)}
        cin7_account.add_product({"SKU": sku, "Name": sku, **prices})
        sandbox_shop.add_product(sku, variants=[{"sku": sku, "price": price}])
    ids = {
        key: cin7_account.add_customer(
            b2b_customer(
                key.upper(),
                f"{key}@example.com",
                phone=f"(415) 555-01{n:02d}",
                PriceTier=tier,
                ProductPrices=own,
            )
        )
        for n, (key, (tier, own)) in enumerate(CUSTOMERS.items())
    }
    assert sandbox_shop.b2b.settings.shopify_plus is False  # the sandbox's default plan: Grow
    SyncSettings.objects.filter(shop=installed_shop).update(b2b_companies=True)
    installed_shop.refresh_from_db()
    return ids


def variant_ids(sandbox_shop) -> dict[str, str]:
    return {variant["sku"]: variant_id for variant_id, variant in sandbox_shop.variants.items()}


def tier_price(sku: str, code: int) -> Decimal:
    price, *tiers = PRODUCTS[sku]
    return Decimal(tiers[code - 1]) if Decimal(tiers[code - 1]) > 0 else Decimal(price)


def assert_charged(shop, sandbox_shop, ids, served: set[int], plus: bool = False, moved=None) -> int:
    """Every (location, variant): the tier price where served (Plus: the customer's own price first), else
    the variant price. `moved`: customer key -> its tier code now."""
    api = B2BAdmin(admin_api(shop).client)
    variants = variant_ids(sandbox_shop)
    by_cin7 = {cin7_id: key for key, cin7_id in ids.items()}
    checked = 0
    for link in CompanyLink.objects.filter(shop=shop):
        tier, own = CUSTOMERS[by_cin7[link.cin7_id]]
        tier = (moved or {}).get(by_cin7[link.cin7_id], tier)
        prices = api.contextual_prices(sorted(variants.values()), link.location_id)
        for sku, variant_id in variants.items():
            expected = tier_price(sku, tier) if tier in served else Decimal(PRODUCTS[sku][0])
            own_price = {p["ProductSKU"]: Decimal(str(p["Price"])) for p in own}.get(sku)
            if plus and own_price is not None and own_price <= expected:
                expected = own_price
            assert Decimal(prices[variant_id][1]) == expected, (by_cin7[link.cin7_id], sku)
            checked += 1
    return checked


def b2b_mutations(sandbox, since: int) -> list[str]:
    return [
        c.operation_name for c in sandbox.calls[since:] if c.mutation and c.operation_name.startswith("B2B")
    ]


def markets_of(sandbox_shop) -> dict[str, set[str]]:
    b2b = sandbox_shop.b2b
    return {m.name: {b2b.locations[i].external_id for i in m.location_ids} for m in b2b.markets.values()}


def test_below_plus_the_three_most_used_tiers_are_served_through_markets(
    grow_shop, installed_shop, shopify_sandbox, sandbox_shop
):
    mark = len(shopify_sandbox.calls)
    run = run_sync(installed_shop)
    b2b = sandbox_shop.b2b
    assert markets_of(sandbox_shop) == {
        "Cin7 · Wholesale": {grow_shop["w1"], grow_shop["w2"], grow_shop["w3"]},
        "Cin7 · Distributor": {grow_shop["d1"], grow_shop["d2"]},
        "Cin7 · VIP Trade": {grow_shop["v1"]},  # ties with Export: the lower tier code wins
    }
    assert all(c.kind != DIRECT for c in b2b.catalogs.values())  # no direct catalog at all
    calls = b2b_mutations(shopify_sandbox, mark)
    assert "B2BCatalogContext" not in calls and calls.count("B2BCatalogCreate") == 3
    assert sorted(c.title for c in b2b.catalogs.values()) == [
        "Cin7 · Distributor",
        "Cin7 · VIP Trade",
        "Cin7 · Wholesale",
    ]
    assert assert_charged(installed_shop, sandbox_shop, grow_shop, {1, 2, 3}) == 7 * len(PRODUCTS)
    [not_served] = run.issues.filter(code="b2b_tier_not_served")
    assert "Export (1 customers)" in not_served.message
    [need_plus] = run.issues.filter(code="b2b_customer_prices_need_plus")
    assert need_plus.message.startswith("2 customers")
    installed_shop.refresh_from_db()
    facts = installed_shop.b2b
    assert facts["mode"] == "markets"
    assert facts["served_tiers"] == ["Wholesale", "Distributor", "VIP Trade"]
    assert facts["tiers_not_served"] == [{"tier": "Export", "customers": 1}]
    assert facts["customers_prices_need_plus"] == 2
    assert not run.issues.filter(code__in=["b2b_catalog_limit", "b2b_plan_refused", "shopify_user_error"])

    mark = len(shopify_sandbox.calls)
    rerun = run_sync(installed_shop)
    assert rerun.stats["writes"] == 0 and b2b_mutations(shopify_sandbox, mark) == []
    assert not rerun.issues.filter(code__in=["b2b_catalog_limit", "b2b_plan_refused", "shopify_user_error"])


def test_the_chosen_tiers_are_served_and_a_moved_customer_is_charged_its_new_tier(
    grow_shop, installed_shop, shopify_sandbox, sandbox_shop, cin7_account
):
    SyncSettings.objects.filter(shop=installed_shop).update(b2b_market_tiers=["Export", "Wholesale"])
    run = run_sync(installed_shop)
    assert set(markets_of(sandbox_shop)) == {"Cin7 · Export", "Cin7 · Wholesale"}
    assert_charged(installed_shop, sandbox_shop, grow_shop, {1, 4})
    assert "Distributor (2 customers)" in run.issues.get(code="b2b_tier_not_served").message

    cin7_account.update_customer(grow_shop["d1"], PriceTier=4)  # Distributor (not served) -> Export
    mark = len(shopify_sandbox.calls)
    run_sync(installed_shop, full=False)
    assert b2b_mutations(shopify_sandbox, mark) == ["B2BMarketUpdate"]
    assert grow_shop["d1"] in markets_of(sandbox_shop)["Cin7 · Export"]
    assert_charged(installed_shop, sandbox_shop, grow_shop, {1, 4}, moved={"d1": 4})

    product_id = next(pid for pid, p in cin7_account.products.items() if p["SKU"] == "D")
    cin7_account.update_product(product_id, PriceTier4="6.25")  # no customer changed: prices only
    mark = len(shopify_sandbox.calls)
    run_sync(installed_shop, full=False)
    assert b2b_mutations(shopify_sandbox, mark) == ["B2BFixedPricesUpdate"]
    PRODUCTS["D"] = ("7.00", "5", "4.5", "6", "6.25")
    try:
        assert_charged(installed_shop, sandbox_shop, grow_shop, {1, 4}, moved={"d1": 4})
    finally:
        PRODUCTS["D"] = ("7.00", "5", "4.5", "6", "6.5")


def forget_market_ids(shop):
    ManagedCatalog.objects.filter(shop=shop).update(market_id="", catalog_id="", price_list_id="")


def test_a_run_killed_anywhere_and_rerun_makes_no_duplicate_market_catalog_or_price_list(
    grow_shop, installed_shop, sandbox_shop
):
    SyncSettings.objects.filter(shop=installed_shop).update(b2b_companies=False)
    run_sync(installed_shop)
    SyncSettings.objects.filter(shop=installed_shop).update(b2b_companies=True)
    kills = killed_until_done(installed_shop, forget_market_ids, tries=80)
    assert kills >= 6  # each kill one write further: companies, markets, catalogs, price lists, prices
    run_sync(installed_shop)
    b2b = sandbox_shop.b2b
    assert sorted(m.name for m in b2b.markets.values()) == [
        "Cin7 · Distributor",
        "Cin7 · VIP Trade",
        "Cin7 · Wholesale",
    ]
    assert len(b2b.catalogs) == len(b2b.price_lists) == 3
    assert_charged(installed_shop, sandbox_shop, grow_shop, {1, 2, 3})
    assert run_sync(installed_shop).stats["writes"] == 0


def test_an_upgrade_moves_to_direct_catalogs_and_a_downgrade_back_to_markets(
    grow_shop, installed_shop, sandbox_shop
):
    run_sync(installed_shop)
    sandbox_shop.set_plan("Shopify Plus")
    run = run_sync(installed_shop)
    b2b = sandbox_shop.b2b
    assert b2b.markets == {}
    assert all(c.kind == DIRECT for c in b2b.catalogs.values())
    assert len(b2b.catalogs) == len(b2b.price_lists) == 4 + 2  # every tier and both customers' own
    assert_charged(installed_shop, sandbox_shop, grow_shop, {1, 2, 3, 4}, plus=True)
    assert not run.issues.filter(code__in=["b2b_tier_not_served", "b2b_customer_prices_need_plus"])
    installed_shop.refresh_from_db()
    assert installed_shop.b2b["mode"] == "direct"
    assert run_sync(installed_shop).stats["writes"] == 0

    sandbox_shop.set_plan("Grow")
    run = run_sync(installed_shop)
    assert set(markets_of(sandbox_shop)) == {"Cin7 · Wholesale", "Cin7 · Distributor", "Cin7 · VIP Trade"}
    assert all(c.kind != DIRECT for c in b2b.catalogs.values())
    assert len(b2b.price_lists) == 3
    assert_charged(installed_shop, sandbox_shop, grow_shop, {1, 2, 3})
    assert not run.issues.filter(code__in=["b2b_catalog_limit", "b2b_plan_refused", "shopify_user_error"])
    assert run_sync(installed_shop).stats["writes"] == 0


def test_a_grant_without_the_markets_scopes_names_them(grow_shop, installed_shop, sandbox_shop):
    scopes = "read_customers,write_customers,read_products,write_products"
    Shop.objects.filter(pk=installed_shop.pk).update(scopes=scopes)
    installed_shop.refresh_from_db()
    run = run_sync(installed_shop)
    [issue] = run.issues.filter(code="missing_scopes")
    assert "read_markets, write_markets" in issue.message
    assert sandbox_shop.b2b.markets == {}


def test_a_plan_without_b2b_catalogs_is_refused_once_and_not_retried(
    grow_shop, installed_shop, sandbox_shop, shopify_sandbox
):
    sandbox_shop.b2b.settings.catalog_limit = 0
    run = run_sync(installed_shop)
    [issue] = run.issues.filter(code="b2b_plan_refused")
    assert "Cin7 · Wholesale" in issue.message
    mark = len(shopify_sandbox.calls)
    rerun = run_sync(installed_shop, trigger="schedule")
    assert b2b_mutations(shopify_sandbox, mark) == [] and rerun.stats["writes"] == 0
    assert rerun.issues.filter(code="b2b_plan_refused").count() == 1


def test_customer_prices_naming_skus_absent_from_shopify_cost_no_search_per_run(
    grow_shop, installed_shop, shopify_sandbox, cin7_account
):
    """Issue 24's shape: a customer whose ProductPrices name 3,500 SKUs Shopify does not have (discontinued,
    offline): variants come from the run's one listing, so a full rerun without change stays small."""
    missing = [f"OLD-{n:04d}" for n in range(3500)]
    for sku in missing:
        cin7_account.add_product({"SKU": sku, "Name": sku, "PriceTier1": "3"})
        cin7_account.set_customer_price(grow_shop["w2"], sku, 2)
    first = run_sync(installed_shop)
    assert first.issues.filter(code="sku_not_found").exists()
    mark = len(shopify_sandbox.calls)
    rerun = run_sync(installed_shop)
    assert rerun.stats["writes"] == 0
    assert rerun.stats["shopify_requests"] <= 30, rerun.stats
    searches = [c for c in shopify_sandbox.calls[mark:] if c.operation_name == "ProductVariants"]
    assert len(searches) <= 1  # at most the probing page of the one listing


def test_the_preview_lists_the_markets_it_would_make_and_writes_nothing(
    grow_shop, installed_shop, sandbox_shop
):
    preview = run_sync(installed_shop, dry_run=True)
    assert sandbox_shop.b2b.markets == {} and sandbox_shop.b2b.companies == {}
    planned = {(e["action"], e["market"]) for e in preview.plan if "market" in e}
    assert planned == {
        ("create", "Cin7 · Wholesale"),
        ("create", "Cin7 · Distributor"),
        ("create", "Cin7 · VIP Trade"),
    }
    assert preview.issues.filter(code="b2b_tier_not_served").count() == 1
