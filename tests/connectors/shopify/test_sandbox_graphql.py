"""The Admin GraphQL endpoint: validation, cost, throttling, scopes, accounting and injected faults."""

import pytest
import requests

from connectors.shopify.sandbox import ShopifySandbox

from .conftest import SHOP, Admin

VARIANT_PAGE = (
    "{ productVariants(first: 250) { edges { node { id sku } } pageInfo { hasNextPage endCursor } } }"
)
CREATE = """mutation($input: CustomerInput!) {
  customerCreate(input: $input) { customer { id } userErrors { message } }
}"""


def test_invalid_document_gets_shopifys_error_shape_and_changes_nothing(sandbox, shop, admin):
    answer = admin('mutation { customerCreate(input: {email: "a@b.com", bogus: 1}) { customer { id } } }')

    error = answer["errors"][0]
    assert "bogus" in error["message"] and error["locations"] and error["extensions"]["code"]
    assert "data" not in answer and shop.customers == {}
    assert sandbox.writes() == 0 and sandbox.calls[-1].actual_cost is None


def test_syntax_error_and_bad_variables_are_rejected_without_effect(shop, admin):
    assert admin("{ shop { name }")["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    bad = admin(CREATE, {"input": {"email": 42, "addresses": [{"countryCode": "XX"}]}})
    assert bad["errors"] and "data" not in bad and shop.customers == {}


def test_every_executed_response_carries_cost(admin):
    answer = admin("{ shop { name email } }")
    cost = answer["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 1 and cost["actualQueryCost"] == 1
    assert cost["throttleStatus"] == {
        "maximumAvailable": 2000.0,
        "currentlyAvailable": 1999,
        "restoreRate": 100.0,
    }


def test_connection_cost_is_two_plus_page_size_times_node_and_actual_counts_returned(shop, admin):
    shop.add_product("Widget", variants=[{"sku": f"W-{i}", "price": "1.00"} for i in range(3)])

    cost = admin(VARIANT_PAGE)["extensions"]["cost"]

    assert cost["requestedQueryCost"] == 252
    assert cost["actualQueryCost"] == 5
    assert cost["throttleStatus"]["currentlyAvailable"] == 2000 - 5


def test_nested_connections_multiply_and_mutations_cost_ten(admin):
    query = "{ customers(first: 10) { nodes { id metafields(first: 5) { nodes { value } } } } }"
    assert admin(query)["extensions"]["cost"]["requestedQueryCost"] == 2 + 10 * (1 + 2 + 5 * 1)
    two = (
        'mutation { a: tagsAdd(id: "gid://shopify/Customer/1", tags: ["x"]) { userErrors { message } }'
        ' b: tagsRemove(id: "gid://shopify/Customer/1", tags: ["x"]) { node { id } userErrors { message } } }'
    )
    assert admin(two)["extensions"]["cost"]["requestedQueryCost"] == 20


def test_query_above_1000_points_is_refused_before_execution(sandbox, admin):
    query = (
        "{ customers(first: 250) { nodes { id defaultAddress { city } amountSpent { amount }"
        ' metafield(key: "a", namespace: "cin7") { value } } } }'
    )
    answer = admin(query)
    assert answer["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert answer["extensions"]["cost"]["requestedQueryCost"] == 2 + 250 * 4
    assert "data" not in answer and sandbox.calls[-1].actual_cost is None


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("{ customers { nodes { id } } }", "you must provide one of first or last"),
        ("{ customers(first: 251) { nodes { id } } }", "between 0 and 250"),
        ("{ orders(first: 1) { nodes { id } } }", "does not implement QueryRoot.orders"),
    ],
)
def test_page_size_rules_and_unimplemented_fields_are_errors(admin, query, message):
    answer = admin(query)
    assert message in answer["errors"][0]["message"] and "data" not in answer


def test_unmodelled_nested_field_is_an_error_not_a_silent_null(shop, admin):
    shop.add_customer(email="a@b.com")
    answer = admin("{ customers(first: 1) { nodes { id lifetimeDuration } } }")
    assert "does not implement Customer.lifetimeDuration" in answer["errors"][0]["message"]


def test_throttled_at_http_200_when_bucket_is_short_then_refills(clock):
    sandbox = ShopifySandbox(bucket_size=300, restore_rate=1, clock=clock)
    sandbox.add_shop(SHOP)
    with sandbox:
        admin = Admin(sandbox, SHOP, sandbox.issue_token(SHOP))
        first = admin(VARIANT_PAGE)  # charges 252 up front, refunds 250: 298 left
        cost = "{ a: productVariants(first: 148) { nodes { id } } b: customers(first: 148) { nodes { id } } }"
        throttled = admin.post(cost)  # asks for 300

        assert first["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 298
        assert throttled.status_code == 200
        body = throttled.json()
        assert body["errors"] == [
            {
                "message": "Throttled",
                "extensions": {
                    "code": "THROTTLED",
                    "documentation": "https://shopify.dev/api/usage/rate-limits",
                },
            }
        ]
        assert body["extensions"]["cost"]["requestedQueryCost"] == 300
        assert body["extensions"]["cost"]["actualQueryCost"] is None
        assert body["extensions"]["cost"]["throttleStatus"]["restoreRate"] == 1.0
        assert sandbox.calls[-1].throttled

        clock.sleep(1)  # one point back: still short
        assert admin(cost).get("errors") == body["errors"]
        clock.sleep(5)  # refilled to the brim
        answer = admin(cost)
        assert (
            "errors" not in answer
            and answer["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 296
        )


def test_bucket_is_per_shop(clock):
    sandbox = ShopifySandbox(bucket_size=10, restore_rate=1, clock=clock)
    sandbox.add_shop(SHOP)
    sandbox.add_shop("other.myshopify.com")
    with sandbox:
        acme = Admin(sandbox, SHOP, sandbox.issue_token(SHOP))
        other = Admin(sandbox, "other.myshopify.com", sandbox.issue_token("other.myshopify.com"))
        mutation = (
            'mutation { tagsAdd(id: "gid://shopify/Customer/1", tags: ["a"]) { userErrors { message } } }'
        )
        assert "errors" not in acme(mutation)
        assert acme(mutation)["errors"][0]["extensions"]["code"] == "THROTTLED"
        assert "errors" not in other(mutation)


def test_missing_scope_is_access_denied(sandbox):
    admin = Admin(sandbox, SHOP, sandbox.issue_token(SHOP, scopes=("read_products",)))
    answer = admin("{ customers(first: 1) { nodes { id } } }")
    assert answer["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    assert "read_customers" in answer["errors"][0]["message"]


def test_calls_and_writes_accounting(sandbox, admin):
    admin(CREATE, {"input": {"email": "a@b.com"}}, operationName=None)
    admin(CREATE, {"input": {"email": "a@b.com"}})  # userError, still an executed write
    admin("{ shop { name } }")
    admin("mutation { nope }")

    calls = sandbox.calls
    assert [(c.root_fields, c.mutation, c.status) for c in calls] == [
        (("customerCreate",), True, 200),
        (("customerCreate",), True, 200),
        (("shop",), False, 200),
        ((), False, 200),
    ]
    assert calls[0].requested_cost == calls[0].actual_cost == 10 and calls[0].at > 0
    assert sandbox.writes() == 2 and sandbox.writes(SHOP) == 2 and sandbox.writes("other.myshopify.com") == 0
    sandbox.reset_calls()
    assert sandbox.calls == [] and sandbox.writes() == 0


def test_operation_name_selects_the_operation(sandbox, admin):
    document = "query A { shop { name } } query B { shop { email } }"
    assert admin(document, operationName="B")["data"] == {"shop": {"email": "owner@acme.example"}}
    assert sandbox.calls[-1].operation_name == "B"
    assert "errors" in admin(document)


def test_malformed_body_is_400(admin):
    response = requests.post(
        admin.url, data="not json", headers={"X-Shopify-Access-Token": admin.token}, timeout=5
    )
    assert response.status_code == 400


def test_faults_error_drop_and_slow(sandbox, shop, admin):
    sandbox.faults.error_every = 2
    assert admin.post("{ shop { name } }").status_code == 200
    failed = admin.post("{ shop { name } }")
    assert failed.status_code == 502 and "<html>" in failed.text
    admin.post("{ shop { name } }")
    unavailable = admin.post("{ shop { name } }")
    assert unavailable.status_code == 503 and unavailable.headers["Retry-After"] == "1"
    assert [c.status for c in sandbox.calls] == [200, 502, 200, 503]

    sandbox.faults.error_every = 0
    sandbox.faults.drop_every = 5  # the 5th GraphQL request overall
    with pytest.raises(requests.ConnectionError):
        admin.post(CREATE, {"input": {"email": "lost@b.com"}})
    assert shop.customer_by_email("lost@b.com") is None

    sandbox.faults.drop_after_execute = True
    for _ in range(4):
        admin.post("{ shop { name } }")
    with pytest.raises(requests.ConnectionError):
        admin.post(CREATE, {"input": {"email": "applied@b.com"}})
    assert shop.customer_by_email("applied@b.com") is not None  # the write landed; the answer was lost
    assert sandbox.writes() == 1

    sandbox.faults.drop_every = 0
    sandbox.faults.slow_every, sandbox.faults.slow_seconds = 1, 0.3
    with pytest.raises(requests.Timeout):
        requests.post(
            admin.url,
            json={"query": "{ shop { name } }"},
            headers={"X-Shopify-Access-Token": admin.token},
            timeout=0.1,
        )
