"""Bulk mutations end to end: the connector (connectors/shopify/bulk_mutations.py) against the sandbox's
staged uploads and `bulkOperationRunMutation` (sandbox/BULK.md). Every mutation kind the app writes runs
once as single calls in one shop and once in bulk in a twin shop; both end in the same state and answers."""

import io
import json
import re
from email.parser import BytesParser
from email.policy import HTTP

import pytest

from connectors.shopify.bulk_mutations import (
    BULK_DOCUMENTS,
    BulkMutations,
    MultipartBody,
    named_for,
    operation_name,
)
from connectors.shopify.client import GraphQLClient
from connectors.shopify.documents import document

from .conftest import SHOP, VERSION, Admin
from .test_sandbox_b2b import ADDRESS
from .test_sandbox_b2b_markets import MARKETS_SCOPES

TWIN = "twin.myshopify.com"
GID = re.compile(r"gid://shopify/(\w+)/\d+")
CUSTOMER_UPDATE = document("customer_update")
MARKET_CREATE = """mutation BulkMarketCreate($input: MarketCreateInput!) {
  marketCreate(input: $input) { market { name handle status type } userErrors { field message code } }
}"""
CATALOG_UPDATE = """mutation BulkCatalogUpdate($id: ID!, $input: CatalogUpdateInput!) {
  catalogUpdate(id: $id, input: $input) { catalog { title status } userErrors { field message code } }
}"""
PRICES_UPDATE = """mutation BulkPricesUpdate($id: ID!, $add: [PriceListPriceInput!]!) {
  priceListFixedPricesUpdate(priceListId: $id, pricesToAdd: $add, variantIdsToDelete: []) {
    pricesAdded { price { amount } } userErrors { field message code }
  }
}"""
STATE = """{
  customers(first: 20) { nodes {
    defaultEmailAddress { emailAddress } firstName lastName tags defaultAddress { city zip }
    metafields(first: 3) { nodes { namespace key value } }
  } }
  companies(first: 5) { nodes {
    externalId name mainContact { customer { defaultEmailAddress { emailAddress } } }
    locations(first: 2) { nodes { externalId taxSettings { taxExempt } } }
  } }
  catalogs(first: 5) { nodes { title status priceList { name currency } } }
}"""


def bulk_client(sandbox, clock, shop: str) -> BulkMutations:
    token = sandbox.issue_token(shop, scopes=MARKETS_SCOPES)
    client = GraphQLClient(
        shop, lambda: token, admin_url_template=sandbox.admin_url_template, api_version=VERSION, clock=clock
    )
    return BulkMutations(client)


def run_in_bulk(bulk: BulkMutations, mutation: str, lines: list[dict], identifier: str) -> list:
    path = bulk.stage(lines)
    operation = bulk.wait(bulk.run(mutation, path, identifier))
    assert operation.status == "COMPLETED" and operation.object_count == len(lines)
    return sorted(bulk.results(operation), key=lambda outcome: outcome.line)


def normalized(value, labels: dict) -> str:
    """`value` as JSON with every gid replaced by its kind and order of first appearance."""

    def label(match):
        kind = match[1]
        return labels.setdefault(match[0], f"{kind}#{sum(k.startswith(kind) for k in labels.values())}")

    return GID.sub(label, json.dumps(value, sort_keys=True))


def state(admin: Admin) -> dict:
    """The shop's customers, companies and catalogs, each list in a natural order (not by id)."""
    data = admin.data(STATE)
    for name in data:
        data[name]["nodes"].sort(key=lambda node: json.dumps(node, sort_keys=True))
    return data


MAILING = {"address1": "1 Main St", "city": "Austin", "countryCode": "US", "provinceCode": "TX"}
TIER = {"namespace": "cin7", "key": "tier", "type": "single_line_text_field", "value": "Gold"}
PARENT = {"adjustment": {"type": "PERCENTAGE_DECREASE", "value": 0}}


def scenario(write, variants: list[str]) -> list:
    """Every mutation kind the app writes, stage after stage, each stage fed by the previous ones' ids."""
    log = []

    def stage(mutation, lines):
        log.append(write(mutation, lines))
        return log[-1]

    customers = customer_stages(stage)
    b2b_stages(stage, customers, variants)
    return log


def customer_stages(stage) -> list[str]:
    emails = ["ann@example.com", "bob@example.com", "not-an-email"]
    created = stage(document("customer_create"), [{"input": {"email": e, "firstName": "A"}} for e in emails])
    ids = [p["customer"]["id"] for p in created if p["customer"]]
    added = stage(document("bulk_address_create"), [{"customerId": i, "address": MAILING} for i in ids])
    moved = MAILING | {"city": "Dallas"}
    updates = [
        {"customerId": i, "addressId": p["address"]["id"], "address": moved}
        for i, p in zip(ids, added, strict=True)
    ]
    stage(document("bulk_address_update"), updates)
    stage(CUSTOMER_UPDATE, [{"input": {"id": i, "lastName": "Lee"}} for i in ids])
    stage(document("metafields_set"), [{"metafields": [TIER | {"ownerId": i}]} for i in ids])
    stage(document("tags_add"), [{"id": i, "tags": ["b2b", "VIP"]} for i in ids])
    stage(document("tags_remove"), [{"id": i, "tags": ["VIP"]} for i in ids])
    return ids


def company_input(n: int) -> dict:
    company = {"name": f"Co {n}", "externalId": f"C-{n}"}
    return {"input": {"company": company, "companyLocation": company | {"shippingAddress": ADDRESS}}}


def b2b_stages(stage, customers: list[str], variants: list[str]) -> None:
    duplicate = {"input": {"company": {"name": "Dup", "externalId": "C-0"}}}
    made = [
        p["company"]
        for p in stage(document("bulk_company_create"), [company_input(0), company_input(1), duplicate])
        if p["company"]
    ]
    locations = [c["locations"]["nodes"][0]["id"] for c in made]
    pairs = [{"companyId": c["id"], "customerId": i} for c, i in zip(made, customers, strict=True)]
    contacts = [p["companyContact"]["id"] for p in stage(document("b2b_contact_assign"), pairs)]
    mains = [{"companyId": c["id"], "companyContactId": k} for c, k in zip(made, contacts, strict=True)]
    stage(document("bulk_main_contact"), mains)
    roles = [
        {"companyLocationId": loc, "rolesToAssign": [{"companyContactId": k, "companyContactRoleId": role}]}
        for loc, k, role in zip(locations, contacts, [c["defaultRole"]["id"] for c in made], strict=True)
    ]
    stage(document("bulk_location_roles"), roles)
    stage(document("b2b_location_tax"), [{"companyLocationId": loc, "taxExempt": True} for loc in locations])
    price_list = {"name": "Gold", "currency": "USD", "parent": PARENT}
    list_id = stage(document("b2b_price_list_create"), [{"input": price_list}])[0]["priceList"]["id"]
    catalog = {"title": "Gold", "status": "ACTIVE", "priceListId": list_id}
    catalog["context"] = {"companyLocationIds": locations}
    catalog_id = stage(document("b2b_catalog_create"), [{"input": catalog}])[0]["catalog"]["id"]
    stage(CATALOG_UPDATE, [{"id": catalog_id, "input": {"title": "Gold tier"}}])
    prices = [{"variantId": v, "price": {"amount": "9.50", "currencyCode": "USD"}} for v in variants]
    stage(document("bulk_fixed_prices_add"), [{"priceListId": list_id, "prices": prices}])
    stage(PRICES_UPDATE, [{"id": list_id, "add": prices[:1]}])
    conditions = {"companyLocationsCondition": {"companyLocationIds": locations}}
    stage(MARKET_CREATE, [{"input": {"name": "Wholesale", "conditions": conditions}}])


@pytest.fixture
def twins(sandbox, shop):
    twin = sandbox.add_shop(TWIN, plan="Shopify Plus")
    shop.set_plan("Shopify Plus")
    variants = {}
    for each in (shop, twin):
        product = each.add_product("Throw", [{"sku": "T-1", "price": "12.00"}, {"sku": "T-2"}])
        variants[each.domain] = each.products[product]["variant_ids"]
    return variants


def test_every_mutation_kind_in_bulk_equals_the_single_call(sandbox, clock, twins):
    single = Admin(sandbox, SHOP, sandbox.issue_token(SHOP, scopes=MARKETS_SCOPES))

    def one_by_one(mutation, lines):
        root = operation_name(mutation)  # only to be sure the document is a named mutation
        assert root
        answers = [single.data(mutation, variables) for variables in lines]
        return [next(iter(answer.values())) for answer in answers]

    bulk = bulk_client(sandbox, clock, TWIN)
    stages = iter(range(100))

    def in_bulk(mutation, lines):
        outcomes = run_in_bulk(bulk, mutation, lines, f"scenario_stage_{next(stages):03d}")
        assert all(not o.errors for o in outcomes)
        return [o.payload for o in outcomes]

    expected = scenario(one_by_one, twins[SHOP])
    got = scenario(in_bulk, twins[TWIN])
    labels_a, labels_b = {}, {}
    assert normalized(got, labels_b) == normalized(expected, labels_a)
    assert any(p["userErrors"] for stage in got for p in stage), "the scenario includes refused lines"
    twin_admin = Admin(sandbox, TWIN, sandbox.issue_token(TWIN, scopes=MARKETS_SCOPES))
    assert normalized(state(twin_admin), labels_b) == normalized(state(single), labels_a)


def test_the_operation_name_carries_the_client_identifier():
    named = named_for(document("customer_create"), "run_42_customers")
    assert operation_name(named) == "CustomerCreate__run_42_customers"
    anonymous = "mutation($a: ID!) { tagsAdd(id: $a, tags: []) { node { id } } }"
    assert operation_name(named_for(anonymous, "x" * 10)) == "Bulk__" + "x" * 10
    with pytest.raises(ValueError):
        named_for("query { shop { id } }", "run_42_customers")


@pytest.fixture
def bulk(sandbox, clock) -> BulkMutations:
    return bulk_client(sandbox, clock, SHOP)


def new_customers(n: int) -> list[dict]:
    return [{"input": {"email": f"k{i}@example.com"}} for i in range(n)]


def test_a_killed_run_finds_its_operation_again_and_creates_no_duplicate(sandbox, clock, shop, bulk):
    started = bulk.run(document("customer_create"), bulk.stage(new_customers(1000)), "run_7_customers")
    clock.sleep(4)
    del bulk  # the worker is killed while its operation runs
    resumed = bulk_client(sandbox, clock, SHOP)
    assert resumed.find("run_7_other_stage") is None
    found = resumed.find("run_7_customers")
    assert found.id == started.id and found.status == "RUNNING" and 0 < found.object_count < 1000
    assert [op.id for op in resumed.current()] == [started.id]
    done = resumed.wait(found)
    assert done.status == "COMPLETED" and resumed.current() == []
    # a rerun after the operation finished reads its results instead of starting another
    again = bulk_client(sandbox, clock, SHOP).find("run_7_customers")
    assert again == done and sum(o.ok for o in resumed.results(again)) == 1000
    assert len(shop.customers) == 1000 and len(shop.bulk_operations) == 1


def test_results_carry_each_lines_user_errors(bulk):
    lines = [*new_customers(2), {"input": {"email": "k0@example.com"}}, {"input": {"email": "bad"}}]
    outcomes = run_in_bulk(bulk, document("customer_create"), lines, "errors_test_1")
    assert [o.line for o in outcomes] == [0, 1, 2, 3]
    assert sum(o.ok for o in outcomes[:3]) == 2 and outcomes[3].user_errors[0].message == "Email is invalid"
    (taken,) = [o for o in outcomes[:3] if not o.ok]
    assert taken.user_errors[0].field == ("email",)
    assert taken.payload == {
        "customer": None,
        "userErrors": [{"field": ["email"], "message": "Email has already been taken"}],
    }


def test_run_waits_for_a_free_slot_while_five_operations_run(clock, bulk):
    for n in range(5):
        bulk.run(document("customer_create"), bulk.stage(new_customers(300)), f"slot_test_{n:04d}")
    before = clock.now()
    sixth = bulk.run(
        document("tags_add"), bulk.stage([{"id": "gid://shopify/Customer/1", "tags": ["x"]}]), "slot_test_6th"
    )
    assert clock.now() - before >= 3 and sixth.status == "CREATED"
    assert bulk.client.stats.by_operation["BulkRunMutation"]["requests"] > 6  # refused, waited, retried


def test_a_large_stage_costs_a_few_points_of_the_bucket(sandbox, clock, shop, bulk):
    outcomes = run_in_bulk(bulk, document("customer_create"), new_customers(2000), "large_test_1")
    assert len(outcomes) == 2000 and all(o.ok for o in outcomes)
    stats = bulk.client.stats
    # staged upload 10 + run 10 + one point a poll: 2 s startup and 20 s of lines, polled 1 s x 10 then 5 s
    assert stats.actual_cost <= 40 and stats.requests <= 20
    assert shop.bucket.available() > 1900


@pytest.mark.parametrize("name", sorted(BULK_DOCUMENTS))
def test_every_bulk_document_passes_the_bulk_rules(sandbox, clock, name):
    bulk = bulk_client(sandbox, clock, SHOP)
    operation = bulk.run(document(name), bulk.stage([{}]), f"rules_{name}")
    assert operation.status == "CREATED"


def test_the_upload_body_is_the_form_then_the_file_read_as_it_is_sent():
    lines = b"".join(b'{"input":{"email":"b%d@x.test"}}\n' % n for n in range(5000))
    form = [("key", "tmp/1/bulk/vars.jsonl"), ("policy", "cG9saWN5"), ("x-goog-signature", "abc")]

    body = MultipartBody(form, "vars.jsonl", io.BytesIO(lines), len(lines))
    chunks = list(iter(lambda: body.read(8192), b""))
    sent = b"".join(chunks)

    assert len(sent) == len(body) and max(map(len, chunks)) <= 8192  # never more than asked for at once
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {body.content_type}\r\n\r\n".encode() + sent
    )
    parts = [
        (part.get_param("name", header="content-disposition"), part.get_payload(decode=True))
        for part in message.iter_parts()
    ]
    assert parts == [(name, value.encode()) for name, value in form] + [("file", lines)]
