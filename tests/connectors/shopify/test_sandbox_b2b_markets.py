"""Plans and B2B markets over real HTTP: below Plus direct catalogs can only be archived, B2B markets with
market catalogs (3 active B2B catalogs shared across markets), 25 catalogs per location on Plus, and the
price a location is charged through both (sandbox/B2B.md "Plans", "Markets")."""

import pytest

from .conftest import SHOP, Admin
from .test_sandbox_b2b import (
    CATALOG_CREATE,
    CATALOG_LIMIT_REFUSED,
    CONTEXTUAL,
    ERRORS,
    PRICE_LIST_CREATE,
    PRICES_UPDATE,
    charged,
    create_company,
    location_id,
    new_catalog,
    payload,
)

MARKETS_SCOPES = ("write_customers", "write_products", "write_markets")
MARKET_CREATE = f"""mutation($input: MarketCreateInput!) {{
  marketCreate(input: $input) {{ market {{ id name handle status type }} {ERRORS} }}
}}"""
MARKET_UPDATE = f"""mutation($id: ID!, $input: MarketUpdateInput!) {{
  marketUpdate(id: $id, input: $input) {{ market {{ id status
    conditions {{ companyLocationsCondition {{ companyLocations(first: 10) {{ nodes {{ id }} }} }} }} }}
    {ERRORS} }}
}}"""
MARKET_DELETE = f"mutation($id: ID!) {{ marketDelete(id: $id) {{ deletedId {ERRORS} }} }}"
CATALOG_UPDATE = f"""mutation($id: ID!, $input: CatalogUpdateInput!) {{
  catalogUpdate(id: $id, input: $input) {{ catalog {{ id status }} {ERRORS} }}
}}"""
CONTEXT_UPDATE = f"""mutation($id: ID!, $add: CatalogContextInput, $remove: CatalogContextInput) {{
  catalogContextUpdate(catalogId: $id, contextsToAdd: $add, contextsToRemove: $remove) {{
    catalog {{ id }} {ERRORS} }}
}}"""


@pytest.fixture
def markets_admin(sandbox) -> Admin:
    return Admin(sandbox, SHOP, sandbox.issue_token(SHOP, scopes=MARKETS_SCOPES))


def codes(result: dict) -> list:
    return [(e["field"], e["code"]) for e in result["userErrors"]]


def locations(admin, count: int) -> list[str]:
    return [location_id(create_company(admin, f"Co {n}", f"C-{n}")) for n in range(count)]


def b2b_market(admin, name: str, location_ids: list[str], **extra) -> dict:
    conditions = {"companyLocationsCondition": {"companyLocationIds": location_ids}}
    result = payload(admin(MARKET_CREATE, {"input": {"name": name, "conditions": conditions, **extra}}))
    assert result["userErrors"] == [], result
    return result["market"]


def market_catalog(admin, title: str, market_ids: list[str], status="ACTIVE") -> dict:
    context = {"marketIds": market_ids}
    return payload(admin(CATALOG_CREATE, {"input": {"title": title, "status": status, "context": context}}))


def priced(admin, catalog_id: str, prices: dict) -> str:
    parent = {"adjustment": {"type": "PERCENTAGE_DECREASE", "value": 0}}
    price_list = {"name": catalog_id, "currency": "USD", "parent": parent, "catalogId": catalog_id}
    list_id = payload(admin(PRICE_LIST_CREATE, {"input": price_list}))["priceList"]["id"]
    rows = [{"variantId": v, "price": {"amount": p, "currencyCode": "USD"}} for v, p in prices.items()]
    assert payload(admin(PRICES_UPDATE, {"id": list_id, "add": rows, "delete": []}))["userErrors"] == []
    return list_id


# -- plans ---------------------------------------------------------------------------------------------
def test_the_plan_is_set_per_shop(sandbox, shop, admin):
    query = "{ shop { plan { publicDisplayName shopifyPlus } } }"
    assert admin.data(query)["shop"]["plan"] == {"publicDisplayName": "Grow", "shopifyPlus": False}
    plus = sandbox.add_shop("plus-shop.myshopify.com", plan="Shopify Plus")
    plus_admin = Admin(sandbox, plus.domain, sandbox.issue_token(plus.domain))
    assert plus_admin.data(query)["shop"]["plan"] == {
        "publicDisplayName": "Shopify Plus",
        "shopifyPlus": True,
    }
    assert (plus.b2b.settings.catalog_limit, shop.b2b.settings.catalog_limit) == (None, 3)


def test_below_plus_a_company_location_catalog_can_only_be_archived(shop, admin):
    [location] = locations(admin, 1)
    for status in ("ACTIVE", "DRAFT"):
        refused = new_catalog(admin, f"Cin7 · {status}", [location], status=status)
        assert refused == {
            "catalog": None,
            "userErrors": [
                {
                    "field": ["input", "status"],
                    "message": "A company location catalog outside of a supported plan can only have an "
                    "archived status.",
                    "code": "COMPANY_LOCATION_CATALOG_STATUS_PLAN",
                }
            ],
        }
    archived = new_catalog(admin, "Cin7 · Archived", [location], status="ARCHIVED")["catalog"]
    activate = payload(admin(CATALOG_UPDATE, {"id": archived["id"], "input": {"status": "ACTIVE"}}))
    assert codes(activate) == [(["input", "status"], "COMPANY_LOCATION_CATALOG_STATUS_PLAN")]
    assert shop.b2b.catalogs[archived["id"]].status == "ARCHIVED"


def test_a_downgraded_shop_cannot_assign_locations_to_its_active_catalog(shop, admin):
    first, second = locations(admin, 2)
    shop.set_plan("Shopify Plus")
    catalog = new_catalog(admin, "Cin7 · Wholesale", [first])["catalog"]
    shop.set_plan("Advanced")
    add = payload(admin(CONTEXT_UPDATE, {"id": catalog["id"], "add": {"companyLocationIds": [second]}}))
    assert codes(add) == [(["contextsToAdd"], "COMPANY_LOCATION_CATALOG_STATUS_PLAN")]
    remove = payload(admin(CONTEXT_UPDATE, {"id": catalog["id"], "remove": {"companyLocationIds": [first]}}))
    assert remove["userErrors"] == []  # leaving is always allowed
    archive = payload(admin(CATALOG_UPDATE, {"id": catalog["id"], "input": {"status": "ARCHIVED"}}))
    assert archive["userErrors"] == []


def test_on_plus_a_location_holds_at_most_25_catalogs(shop, admin):
    shop.set_plan("Shopify Plus")
    [location] = locations(admin, 1)
    for n in range(25):
        assert new_catalog(admin, f"Cin7 · {n}", [location])["userErrors"] == []
    refused = new_catalog(admin, "Cin7 · 26", [location])
    assert codes(refused) == [(["input", "context", "companyLocationIds"], "CONTEXT_CATALOG_LIMIT_REACHED")]
    other = new_catalog(admin, "Cin7 · Other", [])["catalog"]
    add = payload(admin(CONTEXT_UPDATE, {"id": other["id"], "add": {"companyLocationIds": [location]}}))
    assert add["userErrors"][0]["code"] == "CONTEXT_CATALOG_LIMIT_REACHED"


# -- markets -------------------------------------------------------------------------------------------
def test_a_b2b_market_lists_its_locations_and_catalogs_page_by_page(shop, markets_admin):
    admin = markets_admin
    ids = locations(admin, 3)
    market = b2b_market(admin, "Cin7 · Wholesale", ids)
    assert market | {"id": None} == {
        "id": None,
        "name": "Cin7 · Wholesale",
        "handle": "cin7-wholesale",
        "status": "ACTIVE",
        "type": "COMPANY_LOCATION",
    }
    catalog = market_catalog(admin, "Cin7 · Wholesale", [market["id"]])
    assert catalog["userErrors"] == [] and catalog["catalog"]["id"].startswith("gid://shopify/MarketCatalog/")
    b2b_market(admin, "Cin7 · Distributor", ids[:1])
    query = """query($after: String) { markets(first: 1, after: $after, type: COMPANY_LOCATION) {
      nodes { name catalogs(first: 5) { nodes { id title } }
        conditions { conditionTypes companyLocationsCondition { companyLocations(first: 2) {
          nodes { id } pageInfo { hasNextPage } } } } }
      pageInfo { hasNextPage endCursor } } }"""
    first = admin.data(query)["markets"]
    assert [m["name"] for m in first["nodes"]] == ["Cin7 · Distributor"]  # sorted by NAME
    second = admin.data(query, {"after": first["pageInfo"]["endCursor"]})["markets"]
    [wholesale] = second["nodes"]
    assert wholesale["catalogs"]["nodes"] == [{"id": catalog["catalog"]["id"], "title": "Cin7 · Wholesale"}]
    condition = wholesale["conditions"]
    assert condition["conditionTypes"] == ["COMPANY_LOCATION"]
    assert [n["id"] for n in condition["companyLocationsCondition"]["companyLocations"]["nodes"]] == ids[:2]
    assert condition["companyLocationsCondition"]["companyLocations"]["pageInfo"]["hasNextPage"] is True
    markets_of = "{ catalogs(first: 5, type: MARKET) { nodes { ... on MarketCatalog { markets(first: 2) {"
    found = admin.data(markets_of + " nodes { name } } } } } }")["catalogs"]["nodes"]
    assert found == [{"markets": {"nodes": [{"name": "Cin7 · Wholesale"}]}}]


def test_market_conditions_move_locations_and_refuse_bad_input(shop, markets_admin):
    admin = markets_admin
    a, b = locations(admin, 2)
    market = b2b_market(admin, "Cin7 · Wholesale", [a])
    add = {"conditionsToAdd": {"companyLocationsCondition": {"companyLocationIds": [b]}}}
    delete = {"conditionsToDelete": {"companyLocationsCondition": {"companyLocationIds": [a]}}}
    moved = payload(admin(MARKET_UPDATE, {"id": market["id"], "input": {"conditions": add | delete}}))
    nodes = moved["market"]["conditions"]["companyLocationsCondition"]["companyLocations"]["nodes"]
    assert moved["userErrors"] == [] and nodes == [{"id": b}]
    again = payload(admin(MARKET_UPDATE, {"id": market["id"], "input": {"conditions": delete}}))
    assert codes(again) == [
        (
            ["input", "conditions", "conditionsToDelete", "companyLocationsCondition", "companyLocationIds"],
            "CONDITIONS_NOT_FOUND",
        )
    ]
    empty = {"name": "Empty", "conditions": {"companyLocationsCondition": {"companyLocationIds": []}}}
    assert (
        codes(payload(admin(MARKET_CREATE, {"input": empty})))[0][1] == "SPECIFIED_CONDITIONS_CANNOT_BE_EMPTY"
    )
    unknown = {"name": "X", "conditions": {"companyLocationsCondition": {"companyLocationIds": [a + "0"]}}}
    assert codes(payload(admin(MARKET_CREATE, {"input": unknown})))[0][1] == "CONDITIONS_NOT_FOUND"
    assert codes(payload(admin(MARKET_CREATE, {"input": {"name": " "}}))) == [(["input", "name"], "BLANK")]
    too_many = {"name": "Big", "conditions": {"companyLocationsCondition": {"companyLocationIds": [a] * 251}}}
    assert (
        admin(MARKET_CREATE, {"input": too_many})["errors"][0]["extensions"]["code"]
        == "MAX_INPUT_SIZE_EXCEEDED"
    )
    missing = payload(admin(MARKET_UPDATE, {"id": market["id"] + "0", "input": {"name": "Y"}}))
    assert codes(missing) == [(["id"], "MARKET_NOT_FOUND")]
    direct = new_catalog(admin, "Cin7 · Direct", [], status="ARCHIVED")["catalog"]["id"]
    wrong = payload(admin(MARKET_UPDATE, {"id": market["id"], "input": {"catalogsToAdd": [direct]}}))
    assert codes(wrong) == [(["input", "catalogsToAdd", "0"], "CATALOG_TYPE_NOT_SUPPORTED")]
    mixed = {"companyLocationIds": [a], "marketIds": [market["id"]]}
    both = payload(admin(CATALOG_CREATE, {"input": {"title": "T", "status": "ACTIVE", "context": mixed}}))
    assert codes(both) == [(["input", "context"], "MUST_PROVIDE_EXACTLY_ONE_CONTEXT_TYPE")]


def test_markets_need_the_markets_scopes(sandbox, admin):
    denied = admin(MARKET_CREATE, {"input": {"name": "Cin7 · Wholesale"}})
    assert denied["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    assert "`write_markets` access scope" in denied["errors"][0]["message"]
    assert (
        admin("{ markets(first: 1) { nodes { id } } }")["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    )


def test_three_active_b2b_catalogs_are_shared_across_markets_below_plus(shop, markets_admin):
    admin = markets_admin
    ids = locations(admin, 4)
    markets = [b2b_market(admin, f"Cin7 · Tier {n}", [ids[n]])["id"] for n in range(4)]
    for n in range(3):
        assert market_catalog(admin, f"Cin7 · Tier {n}", [markets[n]])["userErrors"] == []
    refused = market_catalog(admin, "Cin7 · Tier 3", [markets[3]])
    assert refused == CATALOG_LIMIT_REFUSED
    draft = market_catalog(admin, "Cin7 · Tier 3", [markets[3]], status="DRAFT")["catalog"]
    activate = payload(admin(CATALOG_UPDATE, {"id": draft["id"], "input": {"status": "ACTIVE"}}))
    assert activate["userErrors"][0]["message"].startswith("You've reached the maximum")
    # a market without company-location conditions is not B2B: its active catalog does not count
    plain = payload(admin(MARKET_CREATE, {"input": {"name": "Cin7 · Spare"}}))["market"]
    assert plain["type"] == "NONE"
    spare = market_catalog(admin, "Cin7 · Spare", [plain["id"]])["catalog"]
    conditions = {"conditionsToAdd": {"companyLocationsCondition": {"companyLocationIds": [ids[3]]}}}
    made_b2b = payload(admin(MARKET_UPDATE, {"id": plain["id"], "input": {"conditions": conditions}}))
    assert made_b2b["userErrors"][0]["message"].startswith("You've reached the maximum")
    assert payload(admin(MARKET_DELETE, {"id": markets[0]}))["deletedId"] == markets[0]
    assert (
        payload(admin(MARKET_UPDATE, {"id": plain["id"], "input": {"conditions": conditions}}))["userErrors"]
        == []
    )
    assert shop.b2b.active_b2b_catalogs() >= {spare["id"]} and len(shop.b2b.active_b2b_catalogs()) == 3


def test_a_location_pays_the_lowest_of_its_direct_and_active_market_catalogs(shop, markets_admin, variants):
    admin = markets_admin
    shop.set_plan("Shopify Plus")
    a, b = locations(admin, 2)
    market = b2b_market(admin, "Cin7 · Wholesale", [a, b])
    priced(
        admin, market_catalog(admin, "Cin7 · Wholesale", [market["id"]])["catalog"]["id"], {variants[0]: "30"}
    )
    own = new_catalog(admin, "Cin7 · Co 0", [a])["catalog"]["id"]
    priced(admin, own, {variants[0]: "35", variants[1]: "20"})
    assert [charged(admin, v, a) for v in variants[:3]] == ["30.0", "20.0", "40.0"]
    assert [charged(admin, v, b) for v in variants[:3]] == ["30.0", "40.0", "40.0"]
    payload(admin(MARKET_UPDATE, {"id": market["id"], "input": {"status": "DRAFT"}}))
    assert [charged(admin, variants[0], x) for x in (a, b)] == [
        "35.0",
        "40.0",
    ]  # a draft market prices nobody
    payload(admin(MARKET_UPDATE, {"id": market["id"], "input": {"status": "ACTIVE"}}))
    payload(admin(MARKET_DELETE, {"id": market["id"]}))
    assert charged(admin, variants[0], b) == "40.0"
    answer = admin(CONTEXTUAL, {"id": variants[0], "location": a})
    assert answer["extensions"]["cost"]["requestedQueryCost"] == 3


def test_market_mutations_cost_ten_points_and_validate_without_deprecated_fields(markets_admin):
    answer = markets_admin(MARKET_CREATE, {"input": {"name": "Cin7 · Wholesale"}})
    assert answer["extensions"]["cost"]["actualQueryCost"] == 10
    deprecated = markets_admin(MARKET_CREATE, {"input": {"name": "Old", "enabled": True}})
    assert deprecated["errors"][0]["extensions"]["code"] == "INVALID_VARIABLE"
