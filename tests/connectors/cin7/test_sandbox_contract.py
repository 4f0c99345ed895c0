"""The sandbox answers with the shapes of the 200 examples in Cin7's API Blueprint (FACTS §0 [APIB]).

For every example field the sandbox has the field, with a compatible JSON type; the sandbox adds no field the
example lacks. Known, deliberate differences are listed with their FACTS section.
"""

import json
from decimal import Decimal

import pytest

from tests.connectors.cin7.apib import apib_example

ALL_PRODUCT_INCLUDES = {
    name: "true"
    for name in (
        "IncludeCustomPrices",
        "IncludeBOM",
        "IncludeSuppliers",
        "IncludeMovements",
        "IncludeAttachments",
        "IncludeReorderLevels",
    )
}
# FACTS §5.4: the reference's CustomPrices example repeats the customer-side shape; live data (and the
# sandbox) carry CustomerID/CustomerName/CustomerCurrency/Price.
KNOWN_DIFFERENCES = {"Products[].CustomPrices[]"}


def json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float | Decimal):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def shape(value):
    """Dict -> {key: shape}; list -> ("array", merged item shape | None); scalar -> set of JSON types."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        merged = None
        for item in value:
            merged = merge(merged, shape(item))
        return ("array", merged)
    return {json_type(value)}


def merge(left, right):
    if left is None:
        return right
    if isinstance(left, dict) and isinstance(right, dict):
        return {key: merge(left.get(key), right.get(key)) for key in left | right}
    if isinstance(left, tuple) and isinstance(right, tuple):
        return ("array", merge(left[1], right[1]))
    return set(left) | set(right) if isinstance(left, set) and isinstance(right, set) else left


def assert_conforms(expected, actual, path: str = "") -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        missing = set(expected) - set(actual)
        extra = set(actual) - set(expected)
        assert not missing, f"{path}: sandbox lacks {sorted(missing)}"
        assert not extra, f"{path}: sandbox adds {sorted(extra)}"
        for key, sub in expected.items():
            assert_conforms(sub, actual[key], f"{path}.{key}".lstrip("."))
    elif isinstance(expected, tuple):
        assert isinstance(actual, list), f"{path}: expected an array, got {actual!r}"
        if expected[1] is not None and f"{path}[]" not in KNOWN_DIFFERENCES:
            for item in actual:
                assert_conforms(expected[1], item, f"{path}[]")
    else:
        allowed = set(expected)
        if "string" in allowed:
            allowed.add("null")  # FACTS §4.3-4.5: string fields are nullable
        assert "null" in expected or json_type(actual) in allowed, f"{path}: {actual!r} is not {expected}"


@pytest.fixture
def rich_account(cin7_account):
    """An account where every list in the examples has at least one item."""
    acct = cin7_account
    acct.add_tax_rule("GST on Income", percent=Decimal("10"))
    acct.add_payment_term("30 days", method="number of days", duration=30)
    acct.add_product({"SKU": "Screws-SKU - 002", "Name": "Screws Drive Cross", "PriceTier1": Decimal("1.1")})
    parent = acct.add_customer({"Name": "Parent customer test", "Tags": "b2b"})
    child = acct.add_customer(
        {
            "Name": "Human Test",
            "CustomerParentID": parent,
            "IsBillParent": True,
            "Addresses": [
                {"Line1": "P O Box 456", "Country": "Uruguay", "Type": "Billing", "DefaultForType": True}
            ],
            "Contacts": [{"Name": "Nick Wakefield", "Email": None, "Default": True}],
        }
    )
    acct.set_customer_price(child, "Screws-SKU - 002", Decimal("1.1"))
    return acct


def _json(response):
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal)


@pytest.mark.parametrize(
    ("anchor", "endpoint", "params"),
    [
        ("### GET [GET /customer?Page=", "customer", {"IncludeProductPrices": "true"}),
        ("### GET [GET /product?ID=", "product", ALL_PRODUCT_INCLUDES),
        ("### GET [GET /ref/priceTier]", "ref/priceTier", {}),
        ("### GET [GET /ref/tax?Page=", "ref/tax", {}),
        ("### GET [GET /ref/paymentterm?Page=", "ref/paymentterm", {}),
        ("## Me [/me]", "me", {}),
    ],
)
def test_response_matches_reference_example(rich_account, cin7_get, anchor, endpoint, params):
    example = apib_example(anchor)
    actual = _json(cin7_get(endpoint, **params))
    assert_conforms(shape(example), actual)


def test_custom_prices_have_the_live_shape(rich_account, cin7_get):
    products = _json(cin7_get("product", IncludeCustomPrices="true"))["Products"]
    assert [set(price) for price in products[0]["CustomPrices"]] == [
        {"CustomerID", "CustomerName", "CustomerCurrency", "Price"}
    ]


def test_loader_repairs_the_known_slips():
    product = apib_example("### GET [GET /product?ID=")["Products"][0]
    assert product["Movements"][0]["Date"] == "2017-12-25T00:00:00"
    assert len(apib_example("### GET [GET /customer?Page=")["CustomerList"]) == 2
