"""Parsing Cin7 records: the API Blueprint's own 200 examples, every lenient spelling, the strict failures,
and a property: any customer-shaped dict gives a `Customer` or a `Cin7RecordError`, never anything else."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.cin7 import (
    Address,
    Cin7Error,
    Cin7RecordError,
    Contact,
    Customer,
    Me,
    PriceTier,
    Product,
    ProductPrice,
    TaxRule,
)
from connectors.cin7.parsing import format_modified_since
from tests.connectors.cin7.apib import REPAIRS, apib_example


def customer_json(**fields) -> dict:
    return {"ID": "0365e5bb-e5ea-4a45-b98b-fdc4466bdaf1", "Name": "Human Test", **fields}


def product_json(**fields) -> dict:
    return {"ID": "524c20a3-a8ec-44f2-9685-311f1f7d1498", "SKU": "Bread", "Name": "Baked Bread", **fields}


# -- the reference's examples -------------------------------------------------------------------------------
def test_customer_list_example():
    first, second = (
        Customer.parse(row) for row in apib_example("### GET [GET /customer?Page=")["CustomerList"]
    )
    assert first.id == "0365e5bb-e5ea-4a45-b98b-fdc4466bdaf1"
    assert (first.name, first.currency, first.payment_term) == ("Human Test", "AUD", "30 days")
    assert (first.tax_rule, first.price_tier, first.status) == ("BAS Excluded", "Tier 1", "Active")
    assert first.discount == Decimal("0") and first.credit_limit == Decimal("0")
    assert first.is_on_credit_hold is False and not first.is_deprecated
    assert first.tags == () and second.tags == ()
    assert first.last_modified == datetime(2018, 1, 24, 5, 7, 23, 917000, tzinfo=UTC)
    assert first.addresses == (
        Address(
            id="fc8ca28e-7f91-4ac3-8fff-deb86395b494",
            line1="P O Box 456",
            line2="Southbank",
            city="Melbourne GPO",
            state="VIC",
            postcode="3331",
            country="Uruguay",
            type="Billing",
            default_for_type=True,
        ),
    )
    assert first.default_contact == Contact(
        id="c650db26-2fca-4fe4-837d-ffd0f4d97200",
        name="Nick Wakefield",
        phone="03 3014556",
        mobile_phone=None,
        email=None,
        default=True,
    )
    assert second.last_modified == datetime(2018, 1, 30, 6, 7, 43, 460000, tzinfo=UTC)
    assert second.default_contact.email == "Customer@mail.ru"
    assert second.product_prices == (
        ProductPrice(
            product_id="1cd995b0-a8f1-456c-9784-ecf3a8fc2804",
            sku="Screws-SKU - 002",
            name="Screws Drive Cross",
            price=Decimal("1.1"),
        ),
    )


def test_customer_updated_webhook_example_nests_lists_beside_the_customer():
    details = apib_example("+ Customer/Updated Response 200")["CustomerDetailsList"][0]
    customer = Customer.parse(
        {**details["Customer"], "Addresses": details["Addresses"], "Contacts": details["Contacts"]}
    )
    assert customer.last_modified == datetime(2018, 2, 7, 7, 22, 37, 210000, tzinfo=UTC)  # no `Z`
    assert customer.discount == Decimal("1.0000") and customer.is_on_credit_hold is False
    # Two contacts carry `Default`; the one with an email is the one a Shopify customer is matched by.
    assert [c.default for c in customer.contacts] == [True, True]
    assert customer.default_contact.email == "bunnivy@gmail.com"
    assert customer.product_prices == ()


def test_product_example():
    product = Product.parse(apib_example("### GET [GET /product?ID=")["Products"][0])
    assert (product.id, product.sku, product.name, product.status) == (
        "524c20a3-a8ec-44f2-9685-311f1f7d1498",
        "Bread",
        "Baked Bread",
        "Active",
    )
    assert product.tier_prices == {1: Decimal(8), **{code: Decimal(0) for code in range(2, 11)}}
    assert product.last_modified == datetime(2017, 12, 26, 7, 19, 37, 937000, tzinfo=UTC)
    assert not product.is_deprecated


def test_price_tier_example():
    tiers = [PriceTier.parse(row) for row in apib_example("### GET [GET /ref/priceTier]")["PriceTiers"]]
    assert tiers == [PriceTier(code, f"Tier {code}") for code in range(1, 11)]


def test_tax_rule_example():
    rows = apib_example("### GET [GET /ref/tax?Page=")["TaxRuleList"]
    assert [TaxRule.parse(row) for row in rows] == [
        TaxRule("9d707beb-19cf-4d7b-a5d9-9eaff05c504c", "GST on Income", Decimal(10), True),
        TaxRule("d4d53cdf-4b87-4b67-9c17-733fc5419a2a", "Tax test", Decimal(0), True),
    ]


def test_me_example():
    assert Me.parse(apib_example("## Me [/me]")) == Me("PE Vitaliy L", "RUB", "Europe/Moscow")


def test_loader_repairs_what_the_reference_gets_wrong():
    with pytest.raises(ValueError):
        json.loads('{"a": "2017-12-25T00:00:00,\n "b": 1,}')
    text = '{"a": "2017-12-25T00:00:00,\n "b": [1,]\n "c": 2}'
    for pattern, replacement in REPAIRS:
        text = pattern.sub(replacement, text)
    assert json.loads(text) == {"a": "2017-12-25T00:00:00", "b": [1], "c": 2}


# -- lenient where Cin7 is loose ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("10.5"), Decimal("10.5")),
        (7, Decimal(7)),
        ("10.0000000000", Decimal("10.0000000000")),
        (" 2.5 ", Decimal("2.5")),
        (0.1, Decimal("0.1")),
        (None, None),
        ("", None),
    ],
)
def test_decimals_as_numbers_or_strings(value, expected):
    customer = Customer.parse(customer_json(Discount=value, CreditLimit=value))
    assert customer.discount == expected and customer.credit_limit == expected


@pytest.mark.parametrize("value", [True, "ten", "NaN", "Infinity", [], {}, "1E+999999999", "1E-999999999"])
def test_impossible_decimals_name_the_field(value):
    with pytest.raises(Cin7RecordError, match=r"Customer\.CreditLimit") as caught:
        Customer.parse(customer_json(CreditLimit=value))
    assert caught.value.record_id == "0365e5bb-e5ea-4a45-b98b-fdc4466bdaf1"
    assert isinstance(caught.value, Cin7Error)


@pytest.mark.parametrize(
    "text",
    [
        "2018-01-24T05:07:23Z",
        "2018-01-24T05:07:23",
        "2018-01-24T05:07:23.9Z",
        "2018-01-24T05:07:23.917",
        "2018-01-24T05:07:23.9170000Z",
        "2018-01-24T07:07:23+02:00",
        "2018-01-24T00:07:23-0500",
        "2018-01-24T05:07:23+00:00",
    ],
)
def test_dates_with_or_without_zone_and_0_to_7_fraction_digits(text):
    moment = Customer.parse(customer_json(LastModifiedOn=text)).last_modified
    assert moment.tzinfo is UTC
    assert moment.replace(microsecond=0) == datetime(2018, 1, 24, 5, 7, 23, tzinfo=UTC)


def test_seven_fraction_digits_keep_microseconds():
    moment = Customer.parse(customer_json(LastModifiedOn="2018-01-24T05:07:23.1234567")).last_modified
    assert moment.microsecond == 123456


@pytest.mark.parametrize(
    "text", ["yesterday", "2018-13-01T00:00:00", "2018-01-24", "2018-01-24T05:07:23.12345678"]
)
def test_bad_dates_name_the_field(text):
    with pytest.raises(Cin7RecordError, match="LastModifiedOn"):
        Customer.parse(customer_json(LastModifiedOn=text))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Wholesale, VIP ,,  Export ", ("Wholesale", "VIP", "Export")),
        ("Wholesale,VIP", ("Wholesale", "VIP")),
        ("", ()),
        (" , ", ()),
        (None, ()),
        (["A", " B "], ("A", "B")),
    ],
)
def test_tags_are_a_comma_separated_string(value, expected):
    assert Customer.parse(customer_json(Tags=value)).tags == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), ("true", True), ("False", False), (" TRUE ", True), (1, True), (0, False)],
)
def test_booleans_as_bools_or_strings(value, expected):
    customer = Customer.parse(customer_json(IsOnCreditHold=value, Contacts=[{"Name": "A", "Default": value}]))
    assert customer.is_on_credit_hold is expected and customer.contacts[0].default is expected


@pytest.mark.parametrize("value", ["maybe", 2, [], Decimal("0.5")])
def test_impossible_booleans_name_the_field(value):
    with pytest.raises(Cin7RecordError, match=r"Customer\.IsOnCreditHold"):
        Customer.parse(customer_json(IsOnCreditHold=value))


def test_absent_newer_fields_and_null_lists():
    customer = Customer.parse(
        {
            "ID": "b41c4eb0-7ecb-48e4-ac97-7567885976c5",
            "Addresses": None,
            "Contacts": None,
            "ProductPrices": None,
        }
    )
    assert customer.name is None and customer.status is None and customer.last_modified is None
    assert customer.is_on_credit_hold is False and customer.discount is None
    assert customer.addresses == customer.contacts == customer.product_prices == ()
    assert customer.default_contact is None and not customer.is_deprecated


def test_tax_number_and_other_text_may_be_numbers():
    assert Customer.parse(customer_json(TaxNumber=12345, PaymentTerm=30)).payment_term == "30"


def test_emails_are_stripped_but_otherwise_kept():
    contacts = [
        {"Name": "A", "Email": "  Buyer@Example.COM ", "Default": False},
        {"Name": "B", "Email": "   ", "Default": True},
        {"Name": "C", "Email": "not an email", "Default": True},
    ]
    customer = Customer.parse(customer_json(Contacts=contacts))
    assert [contact.email for contact in customer.contacts] == ["Buyer@Example.COM", None, "not an email"]
    assert customer.default_contact.name == "B"  # neither default has an email: the first of them
    contacts[2]["Email"] = " c@example.com "
    assert Customer.parse(customer_json(Contacts=contacts)).default_contact.name == "C"


def test_deprecated_status_in_any_casing():
    assert Customer.parse(customer_json(Status="Deprecated")).is_deprecated
    assert Product.parse(product_json(Status="DEPRECATED")).is_deprecated
    assert not Product.parse(product_json(Status="Setup required")).is_deprecated


def test_product_tier_prices_as_given():
    product = Product.parse(product_json(PriceTier1="12.1234", PriceTier3=9, PriceTier4=None))
    assert product.tier_prices == {1: Decimal("12.1234"), 3: Decimal(9)}


def test_product_prices_need_a_price_and_a_product():
    with pytest.raises(Cin7RecordError, match=r"ProductPrices\[0\]\.Price"):
        Customer.parse(customer_json(ProductPrices=[{"ProductSKU": "A", "Price": None}]))
    with pytest.raises(Cin7RecordError, match=r"ProductPrices\[1\]"):
        Customer.parse(customer_json(ProductPrices=[{"ProductSKU": "A", "Price": 1}, {"Price": 2}]))


def test_price_tier_codes_as_strings_and_bounds():
    assert PriceTier.parse({"Code": "3", "Name": "Distributor"}) == PriceTier(3, "Distributor")
    for bad in ({"Code": 11, "Name": "X"}, {"Code": "one", "Name": "X"}, {"Code": 1, "Name": ""}):
        with pytest.raises(Cin7RecordError):
            PriceTier.parse(bad)


def test_tax_rule_percent_as_string():
    rule = TaxRule.parse(
        {"ID": "9d707beb", "Name": "GST", "TaxPercent": "10.0000000000", "IsActive": "false"}
    )
    assert rule.percent == Decimal(10) and rule.is_active is False


# -- strict where it matters --------------------------------------------------------------------------------
@pytest.mark.parametrize("record_id", [None, "", "   ", 42, ["x"]])
def test_customer_without_a_usable_id_is_refused(record_id):
    with pytest.raises(Cin7RecordError, match=r"Customer\.ID"):
        Customer.parse(customer_json(ID=record_id))


@pytest.mark.parametrize("sku", [None, "", "  ", 17])
def test_product_without_a_sku_is_refused(sku):
    with pytest.raises(Cin7RecordError, match=r"Product\.SKU") as caught:
        Product.parse(product_json(SKU=sku))
    assert caught.value.record_id == "524c20a3-a8ec-44f2-9685-311f1f7d1498"


@pytest.mark.parametrize("data", [None, [], "customer", 3])
def test_a_record_must_be_an_object(data):
    with pytest.raises(Cin7RecordError):
        Customer.parse(data)


def test_lists_of_the_wrong_type_name_the_item():
    with pytest.raises(Cin7RecordError, match=r"Customer\.Contacts\[1\]"):
        Customer.parse(customer_json(Contacts=[{"Name": "A"}, "B"]))
    with pytest.raises(Cin7RecordError, match=r"Customer\.Addresses"):
        Customer.parse(customer_json(Addresses="none"))


def test_records_are_frozen():
    customer = Customer.parse(customer_json())
    with pytest.raises(AttributeError):
        customer.name = "Other"


def test_modified_since_is_utc_without_offset():
    from datetime import timedelta, timezone

    aware = datetime(2026, 8, 1, 2, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert format_modified_since(aware) == "2026-08-01T00:00:00.123"
    assert format_modified_since(datetime(2026, 8, 1)) == "2026-08-01T00:00:00.000"


# -- property: any customer-shaped dict ---------------------------------------------------------------------
ANY_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(["", "true", "FALSE", "10.0000000000", "2018-01-24T05:07:23.917Z", "1e999", " , a,"]),
)
ANY_VALUE = st.recursive(
    ANY_SCALAR,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=4), inner, max_size=2),
    max_leaves=4,
)
TEXT = st.none() | st.text(max_size=20)
DECIMAL = st.none() | st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str) | st.integers()
FLAG = st.none() | st.booleans() | st.sampled_from(["true", "false", "True"])
DATE = st.none() | st.datetimes().map(lambda moment: moment.isoformat(timespec="milliseconds") + "Z")


def usually(good) -> st.SearchStrategy:
    """Mostly a plausible value, sometimes anything at all."""
    return st.one_of(good, good, good, ANY_VALUE)


def objects(fields: dict) -> st.SearchStrategy:
    item = st.fixed_dictionaries({}, optional={name: usually(value) for name, value in fields.items()})
    return usually(st.none() | st.lists(usually(item), max_size=3))


CUSTOMER_SHAPED = st.fixed_dictionaries(
    {"ID": usually(st.uuids().map(str))},  # a missing ID is covered above; here it would hide the rest
    optional={
        **{
            name: usually(TEXT)
            for name in ("Name", "Status", "Currency", "PaymentTerm", "TaxRule", "PriceTier")
        },
        **{name: usually(DECIMAL) for name in ("Discount", "CreditLimit")},
        "TaxNumber": usually(TEXT | st.integers()),
        "IsOnCreditHold": usually(FLAG),
        "Tags": usually(TEXT),
        "LastModifiedOn": usually(DATE),
        "Addresses": objects(
            {"ID": TEXT, "Line1": TEXT, "Country": TEXT, "Type": TEXT, "DefaultForType": FLAG}
        ),
        "Contacts": objects({"ID": TEXT, "Name": TEXT, "Email": TEXT, "Phone": TEXT, "Default": FLAG}),
        "ProductPrices": objects({"ProductID": TEXT, "ProductSKU": TEXT, "Price": DECIMAL}),
    },
)


@settings(max_examples=300, deadline=None)
@given(CUSTOMER_SHAPED)
def test_any_customer_shaped_dict_parses_or_raises_a_record_error(data):
    try:
        customer = Customer.parse(data)
    except Cin7RecordError as error:
        assert str(error)
        return
    assert isinstance(customer.id, str) and customer.id.strip()
    assert all(isinstance(tag, str) and tag for tag in customer.tags)
    assert customer.discount is None or customer.discount.is_finite()
    assert customer.last_modified is None or customer.last_modified.tzinfo is UTC
