"""Head offices, tax numbers, carton quantities and discount rules (docs/cin7-shapes.md): parsed from the
API Blueprint's examples, served by the sandbox in the Blueprint's shapes, read by the client."""

import json
from decimal import Decimal

import pytest

from connectors.cin7 import (
    Cin7RecordError,
    Customer,
    DiscountLine,
    Product,
    parse_discount_rule,
)
from tests.connectors.cin7.apib import apib_example
from tests.connectors.cin7.conftest import sandbox_client
from tests.connectors.cin7.test_records import customer_json, product_json
from tests.connectors.cin7.test_sandbox_contract import assert_conforms, shape

DISCOUNT_ANCHOR = "### GET [GET /reference/discount?ID="
VOLUME_LINES = [
    {"MinValue": 0, "MaxValue": 9, "DiscountType": "DiscountPercent", "Amount": 0},
    {"MinValue": "9.0001", "MaxValue": 49, "DiscountType": "DiscountPercent", "Amount": "10"},
    {"MinValue": "49.0001", "MaxValue": 100000, "DiscountType": "PriceOverride", "Amount": "7.25"},
]


# -- parsing ----------------------------------------------------------------------------------------------
def test_customer_examples_carry_parent_and_tax_number():
    head, child = (
        Customer.parse(row) for row in apib_example("### GET [GET /customer?Page=")["CustomerList"]
    )
    assert (head.parent_id, head.is_bill_parent, head.tax_number) == (None, False, None)
    assert (child.parent_id, child.is_bill_parent) == ("ceb4ef7a-e23d-4730-8021-e807e5b76882", True)


def test_tax_number_is_stripped_text():
    assert Customer.parse(customer_json(TaxNumber=" 51 824 753 556 ")).tax_number == "51 824 753 556"
    assert Customer.parse(customer_json(TaxNumber=123456)).tax_number == "123456"
    assert Customer.parse(customer_json(TaxNumber="  ")).tax_number is None


def test_product_example_carries_carton_quantity_and_no_rule():
    product = Product.parse(apib_example("### GET [GET /product?ID=")["Products"][0])
    assert (product.carton_quantity, product.discount_rule) == (Decimal(2), None)


def test_product_rule_name_and_carton():
    product = Product.parse(product_json(DiscountRule=" Volume ", CartonQuantity="12.0000"))
    assert (product.discount_rule, product.carton_quantity) == ("Volume", Decimal(12))


@pytest.mark.parametrize("value", [-1, "-0.5", "lots", True])
def test_bad_carton_quantity_is_a_bad_record(value):
    with pytest.raises(Cin7RecordError, match="CartonQuantity"):
        Product.parse(product_json(CartonQuantity=value))


def test_discount_rule_example_lines_sorted_by_min_value():
    simple, volume = (parse_discount_rule(row) for row in apib_example(DISCOUNT_ANCHOR)["DiscountRules"])
    assert (simple.name, simple.type, simple.is_quantity_based) == ("Alles fur Freunds", "Simple", False)
    assert volume.is_quantity_based and volume.is_active
    assert volume.lines == (
        DiscountLine("af09aecc-ace8-4a29-bd72-16cccf6c5642", Decimal(0), Decimal(50), "DiscountAmount", 5),
        DiscountLine(
            "1f1aa561-791e-42b4-a2b5-13efef7c8750", Decimal("50.0001"), Decimal(100000), "DiscountPercent", 7
        ),
    )


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"DiscountType": "DiscountPercent"}, "Amount"),
        ({"DiscountType": "DiscountPercent", "Amount": "ten"}, "Amount"),
        ({"Amount": 5}, "DiscountType"),
        ({"DiscountType": "DiscountPercent", "Amount": 5, "MinValue": "x"}, "MinValue"),
    ],
)
def test_bad_discount_line_is_a_bad_record(line, field):
    rule = {"ID": "r1", "Name": "Volume", "Type": "QuantityBased", "IsActive": True, "DiscountLines": [line]}
    with pytest.raises(Cin7RecordError, match=field):
        parse_discount_rule(rule)


def test_rule_without_type_is_a_bad_record():
    with pytest.raises(Cin7RecordError, match="Type"):
        parse_discount_rule({"ID": "r1", "Name": "Volume", "DiscountLines": []})


# -- the sandbox ----------------------------------------------------------------------------------------
@pytest.fixture
def rules_account(cin7_account):
    cin7_account.add_discount_rule(
        "Alles fur Freunds", "Simple", [{"DiscountType": "DiscountPercent", "Amount": 5}]
    )
    cin7_account.add_discount_rule("Volume", "QuantityBased", VOLUME_LINES)
    cin7_account.add_discount_rule("Old volume", "QuantityBased", VOLUME_LINES, is_active=False)
    return cin7_account


def _json(response):
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal)


def test_discount_book_matches_the_reference_example(rules_account, cin7_get):
    assert_conforms(shape(apib_example(DISCOUNT_ANCHOR)), _json(cin7_get("reference/discount")))


def test_discount_book_pages_searches_and_finds_by_id(rules_account, cin7_get):
    first = _json(cin7_get("reference/discount", Page=1, Limit=2))
    second = _json(cin7_get("reference/discount", Page=2, Limit=2))
    assert (first["Total"], len(first["DiscountRules"]), len(second["DiscountRules"])) == (3, 2, 1)
    found = _json(cin7_get("reference/discount", Search="VOLUME"))["DiscountRules"]
    assert sorted(rule["Name"] for rule in found) == ["Old volume", "Volume"]
    rule_id = found[0]["ID"]
    assert [rule["ID"] for rule in _json(cin7_get("reference/discount", ID=rule_id))["DiscountRules"]] == [
        rule_id
    ]


def test_products_may_name_only_active_rules(rules_account):
    rules_account.add_product({"SKU": "A", "Name": "A", "DiscountRule": "Volume", "CartonQuantity": 6})
    for name in ("Old volume", "Nope"):
        with pytest.raises(ValueError, match="discount rule"):
            rules_account.add_product({"SKU": f"B-{name}", "Name": "B", "DiscountRule": name})


def test_unknown_rule_line_types_are_refused(cin7_account):
    with pytest.raises(ValueError, match="DiscountType"):
        cin7_account.add_discount_rule("Bad", "QuantityBased", [{"DiscountType": "Half", "Amount": 1}])


def test_a_parent_cannot_be_a_child(cin7_account):
    head = cin7_account.add_customer({"Name": "Head"})
    branch = cin7_account.add_customer({"Name": "Branch", "CustomerParentID": head})
    with pytest.raises(ValueError, match="parent cannot be a child"):
        cin7_account.add_customer({"Name": "Twig", "CustomerParentID": branch})
    other = cin7_account.add_customer({"Name": "Other"})
    with pytest.raises(ValueError, match="parent cannot be a child"):
        cin7_account.update_customer(head, CustomerParentID=other)


def test_client_reads_rules_customers_and_products(rules_account, cin7_server, cin7_clock):
    head = rules_account.add_customer({"Name": "Head", "TaxNumber": "GB123"})
    rules_account.add_customer({"Name": "Branch", "CustomerParentID": head, "IsBillParent": True})
    rules_account.add_product({"SKU": "A", "Name": "A", "DiscountRule": "Volume", "CartonQuantity": 6})
    client = sandbox_client(rules_account, cin7_server, cin7_clock)
    with client:
        rules = {rule.name: rule for rule in client.discount_rules()}
        customers = {customer.name: customer for customer in client.iter_customers()}
        (product,) = client.iter_products()
    assert sorted(rules) == ["Alles fur Freunds", "Old volume", "Volume"]
    assert [line.min_value for line in rules["Volume"].lines] == [0, Decimal("9.0001"), Decimal("49.0001")]
    assert rules["Volume"].lines[2].amount == Decimal("7.25") and not rules["Old volume"].is_active
    assert customers["Head"].tax_number == "GB123" and customers["Branch"].parent_id == head
    assert customers["Branch"].is_bill_parent
    assert (product.discount_rule, product.carton_quantity) == ("Volume", Decimal(6))
