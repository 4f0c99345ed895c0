"""The connector's B2B market operations (connectors/shopify/b2b_markets.py) against the sandbox: the plan
read with the entitlements, markets with their locations and catalogs, location conditions in batches of 250,
market catalogs with a new or an existing price list, and the refusals below Plus."""

import pytest

from connectors.shopify.b2b import B2BAdmin
from connectors.shopify.client import GraphQLClient

from .conftest import SHOP, VERSION, Admin
from .test_sandbox_b2b import create_company, location_id
from .test_sandbox_b2b_markets import MARKETS_SCOPES

LIMIT_MESSAGE = "You've reached the maximum number of B2B catalogs allowed for your plan."


@pytest.fixture
def api(sandbox, clock) -> B2BAdmin:
    token = sandbox.issue_token(SHOP, scopes=MARKETS_SCOPES)
    client = GraphQLClient(
        SHOP, lambda: token, admin_url_template=sandbox.admin_url_template, api_version=VERSION, clock=clock
    )
    return B2BAdmin(client)


@pytest.fixture
def company_locations(sandbox, shop, clock) -> list[str]:
    """260 company locations, seeded over HTTP at the bucket's pace (10 points a company)."""
    admin, found = Admin(sandbox, SHOP, sandbox.issue_token(SHOP)), []
    for n in range(260):
        found.append(location_id(create_company(admin, f"Co {n}", f"C-{n}")))
        clock.sleep(0.1)
    return found


@pytest.fixture
def variant(shop) -> str:
    product = shop.add_product("Linen Throw", [{"sku": "TEX-1", "title": "V1", "price": "40.00"}])
    return shop.products[product]["variant_ids"][0]


def mutations_of(sandbox, root_field: str) -> int:
    return sum(root_field in call.root_fields for call in sandbox.calls)


def test_facts_read_the_plan_with_the_entitlements(shop, api):
    facts = api.facts()
    assert (facts.plan, facts.shopify_plus, facts.catalogs_enabled, facts.available) == (
        "Grow",
        False,
        True,
        True,
    )
    shop.set_plan("Shopify Plus")
    assert (api.facts().plan, api.facts().shopify_plus) == ("Shopify Plus", True)


def test_a_market_takes_its_locations_250_per_call_and_lists_them_all(sandbox, shop, api, company_locations):
    market_id, errors = api.create_market("Cin7 · Wholesale", company_locations)
    assert errors == () and mutations_of(sandbox, "marketCreate") == 1
    assert mutations_of(sandbox, "marketUpdate") == 1  # the 10 beyond the first 250
    [market] = api.markets()
    assert (market.id, market.name, market.status) == (market_id, "Cin7 · Wholesale", "ACTIVE")
    assert market.location_ids == tuple(company_locations) and market.catalogs == ()
    done, errors = api.change_market_locations(market_id, [], company_locations[:255])
    assert errors == () and done == set(company_locations[:255])
    assert mutations_of(sandbox, "marketUpdate") == 3
    assert list(shop.b2b.markets[market_id].location_ids) == company_locations[255:]
    absent = api.change_market_locations(market_id, [], company_locations[:1])[1]
    assert [e.code for e in absent] == ["CONDITIONS_NOT_FOUND"]
    assert api.set_market_status(market_id, "DRAFT") == () and shop.b2b.markets[market_id].status == "DRAFT"


def test_a_market_catalog_with_its_price_list_prices_the_markets_locations(
    shop, api, company_locations, variant
):
    market_id, _ = api.create_market("Cin7 · Wholesale", company_locations[:2])
    catalog_id, errors = api.create_market_catalog("Cin7 · Wholesale", market_id)
    assert errors == () and catalog_id.startswith("gid://shopify/MarketCatalog/")
    price_list_id, errors = api.create_price_list("Cin7 · Wholesale", "USD", catalog_id)
    assert errors == ()
    assert api.set_fixed_prices(price_list_id, {variant: "31.50"}, [], "USD")[1] == ()
    prices = {loc: api.contextual_prices([variant], loc)[variant] for loc in company_locations[:3]}
    assert prices == {
        company_locations[0]: ("40.00", "31.5"),
        company_locations[1]: ("40.00", "31.5"),
        company_locations[2]: ("40.00", "40.0"),
    }
    [market] = api.markets()
    assert [(c.id, c.title, c.status, c.price_list_id) for c in market.catalogs] == [
        (catalog_id, "Cin7 · Wholesale", "ACTIVE", price_list_id)
    ]
    assert [(c.id, c.market_ids) for c in api.market_catalogs()] == [(catalog_id, (market_id,))]
    assert api.delete_market(market_id) == () and list(api.markets()) == []
    assert [c.market_ids for c in api.market_catalogs()] == [()]


def test_an_existing_price_list_moves_from_a_direct_catalog_to_a_market_catalog(
    shop, api, company_locations, variant
):
    shop.set_plan("Shopify Plus")
    direct_id, _ = api.create_catalog("Cin7 · Wholesale", company_locations[:1])
    price_list_id, _ = api.create_price_list("Cin7 · Wholesale", "USD", direct_id)
    api.set_fixed_prices(price_list_id, {variant: "30"}, [], "USD")
    shop.set_plan("Grow")  # the merchant downgraded: the tier moves to a market, its prices with it
    assert api.delete_catalog(direct_id) == ()
    market_id, _ = api.create_market("Cin7 · Wholesale", company_locations[:1])
    catalog_id, errors = api.create_market_catalog("Cin7 · Wholesale", market_id, price_list_id)
    assert errors == () and shop.b2b.price_lists[price_list_id].catalog_id == catalog_id
    assert api.contextual_prices([variant], company_locations[0])[variant] == ("40.00", "30.0")


def test_below_plus_direct_catalogs_and_a_fourth_b2b_catalog_are_refused_with_their_codes(
    api, company_locations
):
    catalog_id, errors = api.create_catalog("Cin7 · Direct", company_locations[:1])
    assert catalog_id is None and [e.code for e in errors] == ["COMPANY_LOCATION_CATALOG_STATUS_PLAN"]
    markets = [api.create_market(f"Cin7 · Tier {n}", company_locations[n : n + 1])[0] for n in range(4)]
    for n in range(3):
        assert api.create_market_catalog(f"Cin7 · Tier {n}", markets[n])[1] == ()
    catalog_id, errors = api.create_market_catalog("Cin7 · Tier 3", markets[3])
    assert catalog_id is None
    assert [(e.field, e.code, e.message) for e in errors] == [(("input",), "", LIMIT_MESSAGE)]
    tier_0 = next(iter(api.market_catalogs())).id
    assert api.set_catalog_status(tier_0, "ARCHIVED") == ()
    assert api.create_market_catalog("Cin7 · Tier 3", markets[3])[1] == ()
    again = api.set_catalog_status(tier_0, "ACTIVE")
    assert [e.message for e in again] == [LIMIT_MESSAGE]
