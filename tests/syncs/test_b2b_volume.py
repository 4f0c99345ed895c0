"""Volume pricing and pack sizes on the tier price lists (CONTRACT §3 "Volume pricing and pack sizes")."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.cin7 import Product, parse_discount_rule
from connectors.shopify.b2b_volume import Volume
from syncs.b2b.volume import (
    PACK_SIZE_CARTON,
    Break,
    VariantVolume,
    held_state,
    line_price,
    price_breaks,
    volume_by_price_list,
    volume_changes,
)
from syncs.issues import Code
from tests.connectors.cin7.apib import apib_example

D = Decimal


def rule(lines, name="Volume", rule_type="QuantityBased", active=True):
    return parse_discount_rule(
        {
            "ID": f"rule-{name}",
            "Name": name,
            "IsActive": active,
            "Type": rule_type,
            "DiscountLines": [
                {"ID": f"l{n}", "MinValue": low, "MaxValue": high, "DiscountType": kind, "Amount": amount}
                for n, (low, high, kind, amount) in enumerate(lines)
            ],
        }
    )


def product(sku="SKU-1", rule_name="Volume", carton=None, tiers=None):
    prices = {f"PriceTier{code}": price for code, price in (tiers or {1: "10.00"}).items()}
    return Product.parse(
        {"ID": f"p-{sku}", "SKU": sku, "DiscountRule": rule_name, "CartonQuantity": carton, **prices}
    )


TIERED = rule(
    [
        (0, 9, "DiscountPercent", 0),
        ("9.0001", 49, "DiscountPercent", "12.5"),
        ("49.0001", 99, "DiscountAmount", "2.35"),
        ("99.0001", 100000, "PriceOverride", "6.1234"),
    ]
)


def test_lines_from_quantity_two_become_breaks_at_ceil_min_value_with_exact_prices():
    breaks, unsupported, off = price_breaks(TIERED, D("12.10"), None)
    assert breaks == (Break(10, D("10.5875")), Break(50, D("9.75")), Break(100, D("6.1234")))
    assert (unsupported, off) == ([], [])


def test_the_reference_example_reports_the_line_covering_quantity_one():
    example = parse_discount_rule(apib_example("### GET [GET /reference/discount?ID=")["DiscountRules"][1])
    breaks, unsupported, _ = price_breaks(example, D("20"), None)
    assert breaks == (Break(51, D("18.60")),)
    assert [(line.min_value, reason) for line, reason in unsupported] == [
        (D(0), "it changes the price from the first unit")
    ]


@pytest.mark.parametrize(
    ("kind", "amount", "reason"),
    [
        ("FreeShipping", 0, "FreeShipping is not a unit-price discount"),
        ("MarkupAmount", 1, "MarkupAmount is not a unit-price discount"),
        ("MarkupPercent", 5, "MarkupPercent is not a unit-price discount"),
        ("FlatAmount", 5, "FlatAmount is not a unit-price discount"),
        ("DiscountAmount", 11, "it gives -1.00, outside 0-10.00"),
        ("PriceOverride", 12, "it gives 12.00, outside 0-10.00"),
    ],
)
def test_lines_shopify_cannot_express_are_reported(kind, amount, reason):
    breaks, unsupported, _ = price_breaks(rule([(5, 100, kind, amount)]), D("10.00"), None)
    assert breaks == ()
    assert [r for _, r in unsupported] == [reason]


def test_a_neutral_first_line_is_fine_and_a_return_to_the_base_price_is_a_break():
    lines = [(0, 9, "DiscountAmount", 0), (10, 19, "DiscountPercent", 10), (20, 99, "PriceOverride", 10)]
    breaks, unsupported, _ = price_breaks(rule(lines), D("10"), None)
    assert breaks == (Break(10, D("9.0")), Break(20, D(10)))
    assert unsupported == []


def test_breaks_off_the_carton_are_left_out_and_reported():
    lines = [("4.5", 11, "DiscountPercent", 5), ("11.0001", 99, "DiscountPercent", 10)]
    breaks, _, off = price_breaks(rule(lines), D("10"), 6)
    assert breaks == (Break(12, D("9.0")),)
    assert [reason for _, reason in off] == ["5 is not a multiple of the carton quantity 6"]


def test_volume_per_tier_price_list_that_prices_the_variant():
    products = [
        product("A", carton="5", tiers={1: "12.10", 2: "11.00", 3: "0"}),
        product("B", rule_name=None, carton="12.0000", tiers={1: "5"}),
        product("C", rule_name=None, carton="1", tiers={1: "5"}),
        product("E", carton="4", tiers={1: "20"}),
        product("NOVARIANT", tiers={1: "5"}),
    ]
    variants = {sku: [f"gid://V/{sku}"] for sku in "BCE"} | {"A": ["gid://V/A1", "gid://V/A2"]}
    result, issues = volume_by_price_list(products, [TIERED], [1, 2, 3], variants, PACK_SIZE_CARTON)
    assert set(result) == {"tier:1", "tier:2", "tier:3"}
    assert result["tier:3"] == {}
    assert result["tier:1"]["gid://V/A1"] == result["tier:1"]["gid://V/A2"]
    assert result["tier:1"]["gid://V/A1"].state() == {
        "breaks": [[10, "10.5875"], [50, "9.75"], [100, "6.1234"]],
        "pack_size": 5,
    }
    assert result["tier:2"]["gid://V/A1"].state() == {
        "breaks": [[10, "9.625"], [50, "8.65"], [100, "6.1234"]],
        "pack_size": 5,
    }
    assert result["tier:1"]["gid://V/B"] == VariantVolume((), 12)
    assert "gid://V/C" not in result["tier:1"]
    assert result["tier:1"]["gid://V/E"].state() == {"breaks": [[100, "6.1234"]], "pack_size": 4}
    assert [(i.code, i.sku) for i in issues] == [(Code.B2B_BREAK_OFF_PACK_SIZE, "E")]
    assert "10 is not a multiple of the carton quantity 4" in issues[0].message


def test_pack_size_only_when_asked_and_whole():
    products = [product("A", rule_name=None, carton="2.5"), product("B", rule_name=None, carton="4")]
    variants = {"A": ["gid://V/1"], "B": ["gid://V/2"]}
    assert volume_by_price_list(products, [], [1], variants) == ({"tier:1": {}}, [])
    result, issues = volume_by_price_list(products, [], [1], variants, PACK_SIZE_CARTON)
    assert result == {"tier:1": {"gid://V/2": VariantVolume((), 4)}}
    assert [(i.code, i.sku) for i in issues] == [(Code.B2B_PACK_SIZE_UNUSABLE, "A")]


def test_unknown_inactive_and_simple_rules():
    simple_neutral = rule([(0, 0, "DiscountPercent", 0)], name="Nothing", rule_type="Simple")
    simple_off = rule([(0, 0, "DiscountPercent", 5)], name="Five off", rule_type="Simple")
    inactive = rule(TIERED_LINES, name="Old", active=False)
    products = [
        product("A", "Missing"),
        product("B", "old"),
        product("C", "nothing"),
        product("D", "Five off"),
    ]
    variants = {sku: [f"gid://V/{sku}"] for sku in "ABCD"}
    result, issues = volume_by_price_list(products, [simple_neutral, simple_off, inactive], [1], variants)
    assert result == {"tier:1": {}}
    assert [(i.code, i.sku) for i in issues] == [
        (Code.B2B_DISCOUNT_RULE_NOT_FOUND, "A"),
        (Code.B2B_DISCOUNT_RULE_NOT_FOUND, "B"),
        (Code.B2B_DISCOUNT_LINE_UNSUPPORTED, "D"),
    ]
    assert all(i.subject == f"volume:{i.sku}" for i in issues)


TIERED_LINES = [(0, 9, "DiscountPercent", 0), (10, 99, "DiscountPercent", 5)]

amounts = st.decimals(min_value=D("0.0001"), max_value=D("99999"), places=4, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    base=amounts,
    cuts=st.lists(
        st.decimals(min_value=D(1), max_value=D(500), places=4), min_size=1, max_size=5, unique=True
    ),
    percents=st.lists(st.decimals(min_value=D(0), max_value=D(100), places=3), min_size=5, max_size=5),
)
def test_percent_breaks_are_exact_increasing_in_quantity_and_never_above_the_base(base, cuts, percents):
    lows = [D(0), *sorted(cuts)]
    lines = [(low, low + 1, "DiscountPercent", percents[n % 5]) for n, low in enumerate(lows)]
    breaks, unsupported, _ = price_breaks(rule(lines), base, None)
    minimums = [b.minimum for b in breaks]
    assert minimums == sorted(set(minimums)) and all(m >= 2 for m in minimums)
    for b in breaks:
        assert D(0) <= b.price <= base
        line = max((line for line in lines if line[0] <= b.minimum), key=lambda line: line[0])
        assert b.price == base * (100 - line[3]) / 100  # exact: the same digits as hand arithmetic
    assert all(reason == "it changes the price from the first unit" for _, reason in unsupported)


def test_line_price_is_exact_for_long_amounts():
    line = rule([(2, 3, "DiscountPercent", "33.3333")]).lines[0]
    base = D("123456789012345678901234.5678")
    price = line_price(line, base)
    assert Fraction(price) == Fraction(base) * Fraction("66.6667") / 100  # no digit lost to rounding


def state(breaks=(), pack_size=None):
    return {"breaks": [list(b) for b in breaks], "pack_size": pack_size}


def test_what_shopify_holds_is_normalised_and_foreign_rules_kept_apart():
    held = Volume(((10, "9.0"), (25, "8.875")), (5, 5, None))
    assert held_state(held) == state([(10, "9.00"), (25, "8.875")], 5)
    assert held_state(Volume((), (2, 1, None))) == state((), [2, 1, None])  # edited: not a pack size


def test_changes_replace_breaks_add_rules_after_and_remove_a_changed_rule_first():
    desired = {
        "same": state([(10, "9.00")], 5),
        "new": state([(12, "4.00")], 6),
        "repack": state([(12, "4.00")], 6),
        "rule only": state((), 4),
    }
    current = {
        "same": state([(10, "9.00")], 5),
        "repack": state([(10, "4.00")], 5),
        "rule only": state((), 3),
        "gone": state([(10, "1.00")], 2),
    }
    change, rules = volume_changes(desired, current)
    assert change.breaks == {"new": ((12, "4.00"),), "repack": ((12, "4.00"),), "gone": ()}
    assert sorted(change.rules_removed) == ["gone", "repack"]  # "rule only" is replaced in place
    assert rules == {"new": (6, 6), "repack": (6, 6), "rule only": (4, 4)}
    assert volume_changes(desired, desired) == (type(change)(), {})
