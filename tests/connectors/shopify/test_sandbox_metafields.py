"""Metafields on customers, variants and the shop; definitions; validation and compare-and-set."""

import json

import pytest

SET = """mutation($m: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $m) {
    metafields { id namespace key value type updatedAt compareDigest }
    userErrors { field message code elementIndex }
  }
}"""
DELETE = """mutation($m: [MetafieldIdentifierInput!]!) {
  metafieldsDelete(metafields: $m) {
    deletedMetafields { ownerId namespace key }
    userErrors { field message }
  }
}"""
DEFINE = """mutation($d: MetafieldDefinitionInput!) {
  metafieldDefinitionCreate(definition: $d) {
    createdDefinition { id namespace key type { name } ownerType }
    userErrors { field message code }
  }
}"""
DEFINITIONS = """query($owner: MetafieldOwnerType!, $ns: String) {
  metafieldDefinitions(ownerType: $owner, namespace: $ns, first: 50) {
    nodes { namespace key name type { name } ownerType access { storefront } }
  }
}"""


def metafield(owner: str, key: str, value: str, type_: str = "single_line_text_field", **extra) -> dict:
    return {"ownerId": owner, "namespace": "cin7", "key": key, "value": value, "type": type_} | extra


def set_metafields(admin, *items) -> dict:
    return admin.data(SET, {"m": list(items)})["metafieldsSet"]


@pytest.fixture
def customer(shop) -> str:
    return shop.add_customer(email="m@example.com")


def test_set_on_customer_variant_and_shop(shop, admin, customer):
    product = shop.add_product("Bolt", variants=[{"sku": "B-1", "price": "2.00"}])
    variant = shop.products[product]["variant_ids"][0]

    result = set_metafields(
        admin,
        metafield(customer, "credit_limit", "1500.00", "number_decimal"),
        metafield(variant, "price_tiers", '{"Wholesale": "1.50",  "Retail": "2.00"}', "json"),
        metafield(shop.shop_gid, "price_tier_names", '["Retail", "Wholesale"]', "json"),
    )

    assert result["userErrors"] == []
    assert [m["key"] for m in result["metafields"]] == ["credit_limit", "price_tiers", "price_tier_names"]
    assert shop.metafield(customer, "cin7", "credit_limit") == {"type": "number_decimal", "value": "1500.00"}
    assert json.loads(shop.metafield(variant, "cin7", "price_tiers")["value"]) == {
        "Wholesale": "1.50",
        "Retail": "2.00",
    }
    assert shop.metafield(shop.shop_gid, "cin7", "price_tier_names")["type"] == "json"
    read = admin.data('{ shop { metafield(namespace: "cin7", key: "price_tier_names") { jsonValue } } }')
    assert read["shop"]["metafield"]["jsonValue"] == ["Retail", "Wholesale"]


def test_more_than_25_is_refused_and_nothing_is_written(shop, admin, customer):
    items = [metafield(customer, f"key_{i}", "x") for i in range(26)]

    result = set_metafields(admin, *items)

    assert result["userErrors"][0]["code"] == "LESS_THAN_OR_EQUAL_TO"
    assert shop.customers[customer].metafields == {}


def test_one_bad_value_fails_the_whole_call(shop, admin, customer):
    result = set_metafields(
        admin,
        metafield(customer, "company_name", "Acme"),
        metafield(customer, "credit_limit", "12,50", "number_decimal"),
    )

    assert result["metafields"] == []
    assert result["userErrors"] == [
        {
            "field": ["metafields", "1", "value"],
            "message": "Value '12,50' is not a valid decimal number",
            "code": "INVALID_VALUE",
            "elementIndex": 1,
        }
    ]
    assert shop.customers[customer].metafields == {}


@pytest.mark.parametrize(
    ("type_", "value", "code"),
    [
        ("json", "{not json", "INVALID_VALUE"),
        ("json", json.dumps({f"SKU-{i:05d}": "12.50" for i in range(6000)}), "INVALID_VALUE"),
        ("number_decimal", "-12.50", None),
        ("number_decimal", "1e5", "INVALID_VALUE"),
        ("number_integer", "12", None),
        ("number_integer", "1.5", "INVALID_VALUE"),
        ("boolean", "true", None),
        ("boolean", "True", "INVALID_VALUE"),
        ("single_line_text_field", "two\nlines", "INVALID_VALUE"),
        ("single_line_text_field", "", "BLANK"),
        ("rating", "5", "INVALID_TYPE"),
    ],
)
def test_values_are_validated_by_type(admin, customer, type_, value, code):
    result = set_metafields(admin, metafield(customer, "field", value, type_))
    assert [e["code"] for e in result["userErrors"]] == ([code] if code else [])


def test_json_limit_is_128_kb(admin, customer):
    filler = "x" * (131072 - len('{"a":""}'))
    assert (
        set_metafields(
            admin, metafield(customer, "big", json.dumps({"a": filler}, separators=(",", ":")), "json")
        )["userErrors"]
        == []
    )
    too_big = set_metafields(
        admin, metafield(customer, "big", json.dumps({"a": filler + "y"}, separators=(",", ":")), "json")
    )
    assert (
        too_big["userErrors"][0]["code"] == "INVALID_VALUE"
        and "128 KB" in too_big["userErrors"][0]["message"]
    )


@pytest.mark.parametrize(
    ("namespace", "key"), [("ab", "key"), ("cin7", "k"), ("cin7", "bad key"), ("x" * 256, "key")]
)
def test_namespace_and_key_rules(admin, customer, namespace, key):
    result = set_metafields(admin, metafield(customer, key, "v") | {"namespace": namespace})
    assert result["userErrors"] and result["metafields"] == []


def test_definitions_fix_the_type_and_cannot_be_taken_twice(shop, admin, customer):
    definition = {
        "namespace": "cin7",
        "key": "on_hold",
        "name": "On hold",
        "type": "boolean",
        "ownerType": "CUSTOMER",
        "access": {"storefront": "PUBLIC_READ"},
    }

    created = admin.data(DEFINE, {"d": definition})["metafieldDefinitionCreate"]
    taken = admin.data(DEFINE, {"d": definition})["metafieldDefinitionCreate"]
    for_variants = admin.data(DEFINE, {"d": definition | {"ownerType": "PRODUCTVARIANT"}})[
        "metafieldDefinitionCreate"
    ]

    assert created["userErrors"] == [] and created["createdDefinition"]["type"] == {"name": "boolean"}
    assert taken["createdDefinition"] is None and taken["userErrors"][0]["code"] == "TAKEN"
    assert for_variants["userErrors"] == []
    mismatch = set_metafields(admin, metafield(customer, "on_hold", "yes", "single_line_text_field"))
    assert mismatch["userErrors"][0]["code"] == "INVALID_TYPE"
    untyped = set_metafields(
        admin, {"ownerId": customer, "namespace": "cin7", "key": "on_hold", "value": "false"}
    )
    assert untyped["userErrors"] == [] and untyped["metafields"][0]["type"] == "boolean"

    listed = admin.data(DEFINITIONS, {"owner": "CUSTOMER", "ns": "cin7"})["metafieldDefinitions"]["nodes"]
    assert listed == [
        {
            "namespace": "cin7",
            "key": "on_hold",
            "name": "On hold",
            "type": {"name": "boolean"},
            "ownerType": "CUSTOMER",
            "access": {"storefront": "PUBLIC_READ"},
        }
    ]


def test_compare_digest_guards_concurrent_writes(admin, customer):
    first = set_metafields(
        admin, metafield(customer, "discount", "5.00", "number_decimal", compareDigest=None)
    )
    digest = first["metafields"][0]["compareDigest"]

    must_not_exist = set_metafields(
        admin, metafield(customer, "discount", "6.00", "number_decimal", compareDigest=None)
    )
    ok = set_metafields(
        admin, metafield(customer, "discount", "6.00", "number_decimal", compareDigest=digest)
    )
    stale = set_metafields(
        admin, metafield(customer, "discount", "7.00", "number_decimal", compareDigest=digest)
    )

    assert must_not_exist["userErrors"][0]["code"] == "STALE_OBJECT"
    assert ok["userErrors"] == []
    assert stale["userErrors"][0]["code"] == "STALE_OBJECT"


def test_unchanged_value_keeps_updated_at(admin, customer, clock):
    first = set_metafields(admin, metafield(customer, "company_name", "Acme"))["metafields"][0]
    clock.sleep(5)
    again = set_metafields(admin, metafield(customer, "company_name", "Acme"))["metafields"][0]
    changed = set_metafields(admin, metafield(customer, "company_name", "Acme Ltd"))["metafields"][0]
    assert again["updatedAt"] == first["updatedAt"] != changed["updatedAt"]
    assert again["id"] == first["id"] == changed["id"]


def test_delete_reports_what_existed(shop, admin, customer):
    set_metafields(admin, metafield(customer, "cin7_id", "C-1"))

    result = admin.data(
        DELETE,
        {
            "m": [
                {"ownerId": customer, "namespace": "cin7", "key": "cin7_id"},
                {"ownerId": customer, "namespace": "cin7", "key": "never_set"},
            ]
        },
    )["metafieldsDelete"]

    assert result["deletedMetafields"] == [{"ownerId": customer, "namespace": "cin7", "key": "cin7_id"}, None]
    assert shop.metafield(customer, "cin7", "cin7_id") is None


def test_customer_metafields_connection_and_unknown_owner(admin, customer):
    set_metafields(admin, metafield(customer, "a1", "1"), metafield(customer, "b2", "2"))
    query = """query($id: ID!) {
      customer(id: $id) { metafields(first: 10, namespace: "cin7") { nodes { key value } } }
    }"""
    nodes = admin.data(query, {"id": customer})["customer"]["metafields"]["nodes"]
    assert nodes == [{"key": "a1", "value": "1"}, {"key": "b2", "value": "2"}]
    unknown = set_metafields(admin, metafield("gid://shopify/Customer/1", "a1", "1"))
    assert unknown["userErrors"][0]["field"] == ["metafields", "0", "ownerId"]
