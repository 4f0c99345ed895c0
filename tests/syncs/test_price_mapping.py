"""Tier names and tier prices as metafield values (contract §3 "Prices")."""

import json
from decimal import Decimal

import pytest

from connectors.cin7.records import PriceTier, Product
from syncs.money import format_amount, positive_amount
from syncs.pricing.mapping import (
    duplicate_tier_names,
    price_tiers_value,
    tier_display_names,
    tier_names_value,
)

TIERS = [
    PriceTier(code, name)
    for code, name in enumerate(
        [
            "Wholesale",
            "Distributor",
            "Tier 3",
            "VIP Trade",
            "Tier 5",
            "Tier 6",
            "Tier 7",
            "Tier 8",
            "Tier 9",
            "Retail",
        ],
        start=1,
    )
]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("12.5", "12.50"),
        ("12.1234", "12.1234"),
        ("12.1000", "12.10"),
        ("7", "7.00"),
        ("0.5", "0.50"),
        ("1E+3", "1000.00"),
        ("1234567890.12345", "1234567890.12345"),
        ("-0", "0.00"),
        ("0.005", "0.005"),
        ("1E+30", "1000000000000000000000000000000.00"),
        ("12.12345678901234567890123456789", "12.12345678901234567890123456789"),
        ("-1.5", "-1.50"),
        ("-0.000", "0.00"),
    ],
)
def test_amounts_have_at_least_two_decimals_and_no_float_rounding(value, text):
    assert format_amount(Decimal(value)) == text


def test_positive_amount_rejects_zero_negative_non_finite_and_float():
    assert positive_amount(Decimal("0")) is None
    assert positive_amount(Decimal("-1")) is None
    assert positive_amount(Decimal("NaN")) is None
    assert positive_amount(0.1) is None
    assert positive_amount("3.30") == Decimal("3.30")


def product(**tiers):
    return Product.parse({"ID": "p-1", "SKU": "SKU-1", **tiers})


def test_tier_prices_by_code_names_zero_tiers_left_out():
    value = price_tiers_value(
        product(PriceTier1=12.5, PriceTier2=0, PriceTier4="9.1234", PriceTier10=100),
        tier_display_names(TIERS),
    )
    assert json.loads(value) == {"Wholesale": "12.50", "VIP Trade": "9.1234", "Retail": "100.00"}
    assert list(json.loads(value)) == ["Wholesale", "VIP Trade", "Retail"]  # tier-code order


def test_no_priced_tier_means_no_metafield():
    assert price_tiers_value(product(PriceTier1=0), tier_display_names(TIERS)) is None


def test_renamed_tiers_follow_the_code():
    renamed = [PriceTier(1, "Trade"), *TIERS[1:]]
    assert json.loads(price_tiers_value(product(PriceTier1=5), tier_display_names(renamed))) == {
        "Trade": "5.00"
    }


def test_duplicate_tier_names_get_their_tier_number():
    dup = [PriceTier(1, "Wholesale"), PriceTier(2, "Wholesale"), *TIERS[2:]]
    names = tier_display_names(dup)
    assert names[1] == "Wholesale (Tier 1)" and names[2] == "Wholesale (Tier 2)" and names[3] == "Tier 3"
    assert duplicate_tier_names(dup) == ["Wholesale"]
    value = price_tiers_value(product(PriceTier1=1, PriceTier2=2), names)
    assert json.loads(value) == {"Wholesale (Tier 1)": "1.00", "Wholesale (Tier 2)": "2.00"}


def test_names_differing_only_in_case_are_told_apart_and_reported():
    dup = [PriceTier(1, "Wholesale"), PriceTier(2, "WHOLESALE "), *TIERS[2:]]
    names = tier_display_names(dup)
    assert (names[1], names[2]) == ("Wholesale (Tier 1)", "WHOLESALE (Tier 2)")
    assert duplicate_tier_names(dup) == ["WHOLESALE", "Wholesale"]


def test_tier_names_list_in_code_order():
    assert json.loads(tier_names_value(tier_display_names(TIERS)))[0] == "Wholesale"
    assert len(json.loads(tier_names_value(tier_display_names(TIERS)))) == 10
