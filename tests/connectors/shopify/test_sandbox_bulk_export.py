"""What a bulk query may hold in the Shopify sandbox (sandbox/BULK.md "Exports: what a bulk query may hold"),
and the contextual volume export the app reads a price list's breaks and rules through."""

import json

import pytest
import requests

from connectors.shopify.b2b_volume_export import LOCATION_PLACEHOLDER
from connectors.shopify.documents import document

from .test_sandbox_b2b import create_company
from .test_sandbox_b2b_volume import breaks, setup, update
from .test_sandbox_catalog import RUN_BULK, current


def edges(selection: str) -> str:
    return f"{{ edges {{ node {{ {selection} }} }} }}"


PRICE_LIST = 'priceList(id: "gid://shopify/PriceList/1")'
LOCATIONS = "id locations " + edges("id roleAssignments " + edges("id"))
IN_A_LIST = "id fields { references " + edges("__typename") + " }"
THREE_DEEP = "id locations " + edges(
    "id catalogs " + edges("... on CompanyLocationCatalog { id companyLocations " + edges("id") + " }")
)
REFUSED = [
    (f"{{ {PRICE_LIST} {{ id prices {edges('variant { id }')} }} }}", "Node"),
    (f"{{ {PRICE_LIST} {{ id quantityRules {edges('minimum')} }} }}", "Node"),
    ('{ nodes(ids: ["gid://shopify/Company/1"]) { id } }', "top-level node"),
    (f"{{ companies {edges('id')} shop {{ id }} }}", "single top-level field"),
    ("{ shop { name } }", "needs to include a connection"),
    (f'{{ metaobjects(type: "spec") {edges(IN_A_LIST)} }}', "within a list field"),
    (f"{{ companies {edges(THREE_DEEP)} }}", "nested at most 2"),
]


def refusal(admin, query: str) -> str:
    """The message of the export's refusal ("" when it started)."""
    errors = admin.data(RUN_BULK, {"q": query})["bulkOperationRunQuery"]["userErrors"]
    return errors[0]["message"] if errors else ""


@pytest.mark.parametrize(("query", "problem"), REFUSED)
def test_what_a_bulk_query_may_not_hold(admin, query, problem):
    assert problem in refusal(admin, query)


def test_a_single_object_root_and_two_nested_levels_are_allowed(plus, admin, variants):
    company = create_company(admin)
    assert refusal(admin, f"{{ companies {edges(LOCATIONS)} }}") == ""  # two levels below the outermost
    assert refusal(admin, f'{{ company(id: "{company["id"]}") {{ {LOCATIONS} }} }}') == ""
    assert (
        refusal(admin, f'{{ productVariant(id: "{variants[0]}") {{ id sku }} }}')
        == "Invalid bulk query: a bulk query needs to include a connection"
    )


def test_the_contextual_volume_export_gives_variant_lines_and_break_lines(plus, admin, clock, variants):
    """A variant's line holds its quantity rule; its breaks come on lines of their own, naming their price
    list, with the variant as `__parentId` (the connection inside `contextualPricing` is taken out)."""
    location, list_id = setup(admin, variants)
    rules = [{"variantId": variants[0], "minimum": 6, "increment": 6}]
    update(
        admin, list_id, quantityRulesToAdd=rules, quantityPriceBreaksToAdd=breaks(variants[0], (12, "27.50"))
    )
    query = document("bulk_contextual_volume").replace(LOCATION_PLACEHOLDER, json.dumps(location))
    assert refusal(admin, query) == ""
    clock.sleep(2)
    done = current(admin, "status:completed")
    assert done["rootObjectCount"] == "4" and done["objectCount"] == "5"  # the variants and one break
    lines = [json.loads(line) for line in requests.get(done["url"], timeout=5).text.splitlines()]
    rule = {"minimum": 6, "increment": 6, "maximum": None, "isDefault": False}
    assert lines[0] == {"id": variants[0], "contextualPricing": {"quantityRule": rule}}
    assert lines[1]["__parentId"] == variants[0] and lines[1]["priceList"] == {"id": list_id}
    assert (lines[1]["minimumQuantity"], lines[1]["price"]) == (12, {"amount": "27.5"})
    assert lines[2]["contextualPricing"]["quantityRule"]["isDefault"] is True
