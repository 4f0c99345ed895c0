"""Pure B2B mapping: payment terms, companies, tier and customer catalogs (contract §3 "Native B2B")."""

from decimal import Decimal

import pytest

from connectors.cin7.records import Customer, PaymentTerm, PriceTier, Product
from syncs.b2b.mapping import customer_catalog, map_company, payment_terms_template, tier_catalogs
from syncs.b2b.trees import LinkFacts, link_facts
from syncs.issues import Code
from syncs.pricing.mapping import PricedProduct
from syncs.store import CompanyLinkRecord

TEMPLATES = [
    {"id": "gid://shopify/PaymentTermsTemplate/1", "paymentTermsType": "RECEIPT", "dueInDays": None},
    {"id": "gid://shopify/PaymentTermsTemplate/2", "paymentTermsType": "NET", "dueInDays": 7},
    {"id": "gid://shopify/PaymentTermsTemplate/4", "paymentTermsType": "NET", "dueInDays": 30},
    {"id": "gid://shopify/PaymentTermsTemplate/7", "paymentTermsType": "NET", "dueInDays": 90},
    {"id": "gid://shopify/PaymentTermsTemplate/9", "paymentTermsType": "FIXED", "dueInDays": None},
]
TERMS = [
    PaymentTerm("t1", "30 days", "number of days", 30),
    PaymentTerm("t2", "On receipt", "Number of days", 0),
    PaymentTerm("t3", "20 days", "number of days", 20),
    PaymentTerm("t4", "End of next month", "last day of next month", 30),
]
TIERS = [PriceTier(1, "Retail"), PriceTier(2, "Wholesale"), PriceTier(3, "Distributor")]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("30 days", "gid://shopify/PaymentTermsTemplate/4"),
        (" 30 DAYS ", "gid://shopify/PaymentTermsTemplate/4"),
        ("On receipt", "gid://shopify/PaymentTermsTemplate/1"),
        ("", None),
        (None, None),
    ],
)
def test_payment_terms_map_to_shopify_templates(name, expected):
    assert payment_terms_template(name, TERMS, TEMPLATES) == (expected, "")


@pytest.mark.parametrize("name", ["20 days", "End of next month", "Unknown term"])
def test_payment_terms_shopify_cannot_express_are_a_problem(name):
    template, problem = payment_terms_template(name, TERMS, TEMPLATES)
    assert template is None
    assert name in problem


def customer(**overrides):
    data = {
        "ID": "c-1",
        "Name": "Acme Supply",
        "PaymentTerm": "30 days",
        "TaxRule": "Tax Exempt",
        "PriceTier": "wholesale",
        "IsOnCreditHold": True,
        "Addresses": [
            {
                "Line1": "1 Bill St",
                "City": "Austin",
                "State": "Texas",
                "Country": "United States",
                "Type": "Billing",
                "DefaultForType": True,
            },
            {
                "Line1": "2 Ship Rd",
                "City": "Dallas",
                "State": "Texas",
                "Postcode": "75201",
                "Country": "United States",
                "Type": "Shipping",
                "DefaultForType": True,
            },
        ],
        "ProductPrices": [
            {"ProductSKU": "A", "Price": 8.5},
            {"ProductSKU": "B", "Price": 30},
            {"ProductSKU": "C", "Price": 0},
        ],
    }
    data.update(overrides)
    return Customer.parse(data)


def company(record, **options):
    return map_company(
        record,
        "gid://shopify/Customer/5",
        tiers=TIERS,
        terms=TERMS,
        templates=TEMPLATES,
        tax_exempt_rules=frozenset({"tax exempt"}),
        has_customer_catalog=options.get("has_customer_catalog", True),
    )


def test_a_customer_maps_to_a_company_with_one_location():
    desired, issues = company(customer())
    assert issues == []
    assert desired.cin7_id == "c-1" and desired.customer_gid == "gid://shopify/Customer/5"
    assert desired.state == {
        "name": "Acme Supply",
        "location": {
            "name": "Acme Supply",
            "shipping": {
                "address1": "2 Ship Rd",
                "city": "Dallas",
                "zip": "75201",
                "countryCode": "US",
                "zoneCode": "TX",
                "recipient": "Acme Supply",
            },
            "billing": {
                "address1": "1 Bill St",
                "city": "Austin",
                "countryCode": "US",
                "zoneCode": "TX",
                "recipient": "Acme Supply",
            },
        },
        "tax_exempt": True,
        "terms": "gid://shopify/PaymentTermsTemplate/4",
        "draft": True,
        "catalogs": ["tier:2", "customer:c-1"],
    }


def test_billing_defaults_to_shipping_and_unknown_tier_gets_no_tier_catalog():
    record = customer(
        Addresses=[
            {"Line1": "2 Ship Rd", "Country": "United States", "Type": "Shipping", "DefaultForType": True}
        ],
        PriceTier="No such tier",
        TaxRule="Sales Tax",
        IsOnCreditHold=False,
        PaymentTerm="20 days",
    )
    desired, issues = company(record, has_customer_catalog=False)
    location = desired.state["location"]
    assert location["billing"] == location["shipping"]
    assert desired.state["catalogs"] == []
    assert (desired.state["tax_exempt"], desired.state["draft"], desired.state["terms"]) == (
        False,
        False,
        None,
    )
    assert [i.code for i in issues] == [Code.UNMAPPED_PAYMENT_TERM]


def products():
    return [
        Product.parse({"ID": "p1", "SKU": "A", "PriceTier1": 12, "PriceTier2": 9.1234, "PriceTier3": 0}),
        Product.parse({"ID": "p2", "SKU": "B", "PriceTier1": 40, "PriceTier2": 25}),
        Product.parse({"ID": "p3", "SKU": "Z", "PriceTier2": 5}),  # no Shopify variant
    ]


VARIANTS = {
    "A": ["gid://shopify/ProductVariant/1", "gid://shopify/ProductVariant/2"],
    "B": ["gid://shopify/ProductVariant/3"],
}


def test_tier_catalogs_hold_every_variant_priced_above_zero_in_tiers_in_use():
    catalogs = tier_catalogs([2, 3, 2], TIERS, products(), VARIANTS)
    assert sorted(catalogs) == ["tier:2", "tier:3"]
    assert catalogs["tier:2"].title == "Cin7 · Wholesale"
    assert catalogs["tier:2"].prices == {
        "gid://shopify/ProductVariant/1": "9.1234",
        "gid://shopify/ProductVariant/2": "9.1234",
        "gid://shopify/ProductVariant/3": "25.00",
    }
    assert catalogs["tier:3"].prices == {}


def test_the_b2b_phase_prices_from_a_projection_of_each_product_alike():
    carton = {"ID": "p4", "SKU": "C", "PriceTier2": 7, "CartonQuantity": 12, "DiscountRule": " Bulk "}
    full = [*products(), Product.parse(carton)]
    projected = [PricedProduct.of(product) for product in full]

    assert projected[0] == PricedProduct("A", {1: Decimal(12), 2: Decimal("9.1234")})  # Cin7's 0: no price
    assert projected[3] == PricedProduct("C", {2: Decimal(7)}, Decimal(12), "Bulk")
    variants = {**VARIANTS, "C": ["gid://shopify/ProductVariant/4"]}
    assert tier_catalogs([1, 2, 3], TIERS, projected, variants) == tier_catalogs(
        [1, 2, 3], TIERS, full, variants
    )


def test_link_facts_hold_what_the_desired_state_needs_of_each_written_company():
    links = [
        CompanyLinkRecord("head", written={"name": "Acme", "catalogs": ["tier:2", "customer:head"]}),
        CompanyLinkRecord(
            "branch",
            written={"head": "head", "buyers": {"b@x.test": {}, "c@x.test": {}}, "markets": ["market:3"]},
        ),
        CompanyLinkRecord("new"),  # created, nothing written yet
    ]

    assert link_facts(iter(links)) == {
        "head": LinkFacts("head", "Acme", (), frozenset({2})),
        "branch": LinkFacts("head", None, ("b@x.test", "c@x.test"), frozenset({3})),
        "new": LinkFacts("new", None, (), frozenset()),
    }


def test_customer_catalog_holds_its_prices_and_reports_those_above_the_tier():
    catalog, issues = customer_catalog(customer(), {"A": Decimal("9.1234"), "B": Decimal("25")}, VARIANTS)
    assert catalog.key == "customer:c-1" and catalog.title == "Cin7 · Acme Supply"
    assert catalog.prices == {
        "gid://shopify/ProductVariant/1": "8.50",
        "gid://shopify/ProductVariant/2": "8.50",
    }
    assert [(i.code, i.sku) for i in issues] == [(Code.CUSTOMER_PRICE_ABOVE_TIER, "B")]


def test_a_customer_without_usable_prices_gets_no_catalog():
    catalog, issues = customer_catalog(
        customer(ProductPrices=[{"ProductSKU": "C", "Price": 0}]), {}, VARIANTS
    )
    assert catalog is None and issues == []
