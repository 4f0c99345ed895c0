"""Variants, `nodes` and bulk operations."""

import json

import requests

from connectors.shopify.sandbox import ShopifySandbox
from connectors.shopify.sandbox.context import BulkModel

from .conftest import SHOP, VERSION, Admin

VARIANTS = """query($first: Int!, $after: String, $q: String) {
  productVariants(first: $first, after: $after, query: $q) {
    edges { cursor node { id sku title price product { id title } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
NODES = """query($ids: [ID!]!) {
  nodes(ids: $ids) {
    __typename id
    ... on Customer { defaultEmailAddress { emailAddress } }
    ... on ProductVariant { sku }
  }
}"""
RUN_BULK = """mutation($q: String!) {
  bulkOperationRunQuery(query: $q) { bulkOperation { id status } userErrors { field message code } }
}"""
CURRENT = """query($q: String) {
  bulkOperations(first: 1, query: $q) {
    nodes { id status errorCode objectCount rootObjectCount url partialDataUrl createdAt completedAt }
  }
}"""


def current(admin, query=None):
    nodes = admin.data(CURRENT, {"q": query})["bulkOperations"]["nodes"]
    return nodes[0] if nodes else None


EXPORT = """{
  productVariants { edges { node { id sku metafields(namespace: "cin7") { edges { node { key value } } } } } }
}"""
SET = "mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { userErrors { message } } }"


def seed_catalog(shop) -> list[str]:
    shop.add_product(
        "Bolt",
        variants=[
            {"sku": "A-1", "title": "Small", "price": "1.00"},
            {"sku": "A-10", "title": "Large", "price": "2.00"},
        ],
    )
    shop.add_product(
        "Nut",
        variants=[
            {"sku": "A-1", "title": "Dup", "price": "3.00"},
            {"sku": "B-2", "price": "4.00"},
            {"sku": None, "price": "5.00"},
        ],
    )
    return list(shop.variants)


def test_variants_page_with_cursors_and_duplicate_skus(shop, admin):
    ids = seed_catalog(shop)

    seen, after, pages = [], None, 0
    while True:
        page = admin.data(VARIANTS, {"first": 2, "after": after})["productVariants"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == ids and pages == 3
    exact = admin.data(VARIANTS, {"first": 10, "q": 'sku:"A-1"'})["productVariants"]["edges"]
    assert [e["node"]["sku"] for e in exact] == ["A-1", "A-1"]
    assert {e["node"]["product"]["title"] for e in exact} == {"Bolt", "Nut"}
    loose = admin.data(VARIANTS, {"first": 10, "q": "sku:A-1"})["productVariants"]["edges"]
    assert sorted(e["node"]["sku"] for e in loose) == ["A-1", "A-1", "A-10"]
    either = admin.data(VARIANTS, {"first": 10, "q": 'sku:"A-10" OR sku:"B-2"'})["productVariants"]["edges"]
    assert sorted(e["node"]["sku"] for e in either) == ["A-10", "B-2"]


def test_nodes_returns_mixed_types_and_nulls(shop, admin):
    customer = shop.add_customer(email="n@example.com")
    variant = seed_catalog(shop)[0]

    nodes = admin.data(NODES, {"ids": [variant, customer, "gid://shopify/Customer/1"]})["nodes"]

    assert nodes == [
        {"__typename": "ProductVariant", "id": variant, "sku": "A-1"},
        {"__typename": "Customer", "id": customer, "defaultEmailAddress": {"emailAddress": "n@example.com"}},
        None,
    ]
    assert admin(NODES, {"ids": ["not-a-gid"]})["errors"]
    # 1 per node and 1 per object inside it (defaultEmailAddress)
    assert admin(NODES, {"ids": [customer] * 3})["extensions"]["cost"]["requestedQueryCost"] == 6


def test_bulk_export_runs_polls_and_downloads_jsonl(clock):
    sandbox = ShopifySandbox(clock=clock, bulk_delay=30)
    shop = sandbox.add_shop(SHOP)
    with sandbox:
        admin = Admin(sandbox, SHOP, sandbox.issue_token(SHOP))
        variants = seed_catalog(shop)
        admin.data(
            SET,
            {
                "m": [
                    {
                        "ownerId": variants[0],
                        "namespace": "cin7",
                        "key": "price_tiers",
                        "type": "json",
                        "value": '{"Retail":"1.00"}',
                    }
                ]
            },
        )

        started = admin(RUN_BULK, {"q": EXPORT})
        operation = started["data"]["bulkOperationRunQuery"]["bulkOperation"]
        assert operation["status"] == "CREATED" and started["extensions"]["cost"]["requestedQueryCost"] == 10
        before_2026_01 = Admin(sandbox, SHOP, admin.token)
        before_2026_01.url = admin.url.replace(VERSION, "2025-10")
        second = before_2026_01.data(RUN_BULK, {"q": EXPORT})["bulkOperationRunQuery"]
        assert second["userErrors"][0]["code"] == "OPERATION_IN_PROGRESS"

        running = current(admin, f"id:{operation['id'].rsplit('/', 1)[1]}")
        assert running["id"] == operation["id"] and running["status"] == "RUNNING" and running["url"] is None
        assert current(admin, "status:running") == running and current(admin, "status:completed") is None

        clock.sleep(30 + BulkModel().export_seconds(5))  # the delay, then 5 root objects at the model's rate
        done = current(admin, "status:completed")
        assert done["status"] == "COMPLETED" and done["completedAt"] and done["partialDataUrl"] is None
        assert done["objectCount"] == "6" and done["rootObjectCount"] == "5"
        download = requests.get(done["url"], timeout=5)  # a signed storage URL: no token needed

    lines = [json.loads(line) for line in download.text.splitlines()]
    assert lines[0] == {"id": variants[0], "sku": "A-1"}
    assert lines[1] == {"key": "price_tiers", "value": '{"Retail":"1.00"}', "__parentId": variants[0]}
    assert [line.get("sku") for line in lines[2:]] == ["A-10", "A-1", "B-2", None]


def test_bulk_query_rules(admin, shop):
    def refused(query):
        return admin.data(RUN_BULK, {"q": query})["bulkOperationRunQuery"]["userErrors"]

    assert refused("{ productVariants { edges { node { nope } } } }")[0]["code"] == "INVALID"
    assert "connection" in refused("{ shop { name } }")[0]["message"]
    assert (
        "'id'"
        in refused("{ productVariants { edges { node { sku metafields { edges { node { key } } } } } } }")[0][
            "message"
        ]
    )
    assert refused("{ productVariants { edges { node { id } } } }") == []
    assert current(admin)["url"] is None  # the newest: nothing to export


def test_api_2026_01_runs_five_bulk_operations_at_once_exports_at_the_model_rate(sandbox, admin, shop, clock):
    for n in range(3000):
        shop.add_product(f"P{n}", variants=[{"sku": f"P-{n}"}])
    started = [admin.data(RUN_BULK, {"q": EXPORT})["bulkOperationRunQuery"] for _ in range(6)]
    assert [s["userErrors"] for s in started[:5]] == [[]] * 5
    assert started[5]["userErrors"][0]["code"] == "LIMIT_REACHED"
    first = started[0]["bulkOperation"]["id"].rsplit("/", 1)[1]
    seconds = BulkModel().export_seconds(3000)  # 1 s start-up, then 1,000 root objects a second
    clock.sleep(seconds - 0.1)
    assert current(admin, f"id:{first}")["status"] == "RUNNING"
    clock.sleep(0.1)
    assert current(admin, f"id:{first}")["status"] == "COMPLETED"
