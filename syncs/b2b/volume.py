"""Volume pricing and pack sizes (CONTRACT §3; docs/cin7-shapes.md): a product's quantity-based discount
rule as quantity price breaks, and its carton quantity as a quantity rule, on each tier price list that
prices its variants. Pure; no I/O; amounts exact (no float, no context rounding).

A quantity-based rule's lines are quantity ranges sorted by `MinValue`; the line holding q sets the unit
price of q units. Shopify charges a price list's fixed price below the first break, so a line from
`MinValue` > 1 becomes a break at `ceil(MinValue)`; a line covering quantity 1 that changes the price, a
type that is not a unit-price discount, or a price below zero or above the quantity-1 price is reported.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext

from connectors.cin7.discounts import DiscountLine, DiscountRule
from connectors.cin7.records import Product
from connectors.shopify.b2b_volume import Volume, VolumeChange

from ..issues import Code, Issue
from ..money import format_amount, positive_amount

PACK_SIZE_NONE, PACK_SIZE_CARTON = "none", "carton"
NO_VOLUME = {"breaks": [], "pack_size": None}  # a variant's state with neither breaks nor a rule
DISCOUNT_PERCENT, DISCOUNT_AMOUNT, PRICE_OVERRIDE = "discountpercent", "discountamount", "priceoverride"


@dataclass(frozen=True)
class Break:
    minimum: int
    price: Decimal


@dataclass(frozen=True)
class VariantVolume:
    """What one price list holds for one variant beyond its fixed price."""

    breaks: tuple[Break, ...]
    pack_size: int | None  # the quantity rule's minimum and increment

    def state(self) -> dict:
        """JSON-able, what the writer compares with what it wrote."""
        breaks = [[b.minimum, format_amount(b.price)] for b in self.breaks]
        return {"breaks": breaks, "pack_size": self.pack_size}


def line_price(line: DiscountLine, base: Decimal) -> Decimal | None:
    """The unit price `line` gives on `base` (exact), or None when its type is not a unit-price discount."""
    kind = line.discount_type.strip().casefold()
    with localcontext() as context:
        context.prec = max(context.prec, len(base.as_tuple().digits) + len(line.amount.as_tuple().digits) + 8)
        if kind == DISCOUNT_PERCENT:
            return base * (100 - line.amount) / 100
        if kind == DISCOUNT_AMOUNT:
            return base - line.amount
        if kind == PRICE_OVERRIDE:
            return line.amount
    return None


def price_breaks(
    rule: DiscountRule, base: Decimal, pack_size: int | None
) -> tuple[tuple[Break, ...], list, list]:
    """Breaks of `rule` on a fixed price `base`, and the lines left out: (unsupported, off the pack size).

    Lines are (rule line, reason) pairs. A break equal to the price before it is left out (nothing to say).
    """
    breaks: dict[int, Break] = {}
    unsupported, off_pack = [], []
    current = base
    for line in rule.lines:
        price = line_price(line, base)
        minimum = max(1, math.ceil(line.min_value))
        if price is None:
            unsupported.append((line, f"{line.discount_type} is not a unit-price discount"))
        elif minimum <= 1:
            if price != base:
                unsupported.append((line, "it changes the price from the first unit"))
        elif price < 0 or price > base:
            unsupported.append((line, f"it gives {format_amount(price)}, outside 0-{format_amount(base)}"))
        elif pack_size and minimum % pack_size:
            off_pack.append((line, f"{minimum} is not a multiple of the carton quantity {pack_size}"))
        elif price != current:
            breaks[minimum] = Break(minimum, price)
            current = price
    return tuple(breaks[m] for m in sorted(breaks)), unsupported, off_pack


def pack_size_of(product: Product, setting: str) -> tuple[int | None, Issue | None]:
    """The carton quantity as a quantity rule (`b2b_pack_size: "carton"`, quantity > 1), else None."""
    quantity = product.carton_quantity
    if setting != PACK_SIZE_CARTON or quantity is None or quantity <= 1:
        return None, None
    if quantity != quantity.to_integral_value():
        message = f"{product.sku}: carton quantity {quantity} is not a whole number; no quantity rule."
        return None, Issue(
            Code.B2B_PACK_SIZE_UNUSABLE, message, sku=product.sku, subject=f"volume:{product.sku}"
        )
    return int(quantity), None


def volume_by_price_list(
    products: Iterable[Product],
    rules: Iterable[DiscountRule],
    tier_codes: Iterable[int],
    variants: Mapping[str, list[str]],
    pack_size_setting: str = PACK_SIZE_NONE,
) -> tuple[dict[str, dict[str, VariantVolume]], list[Issue]]:
    """Catalog key (`tier:<code>`, as `mapping.tier_catalogs`) -> variant gid -> its breaks and pack size,
    for the tiers in use that price the variant (tier price above 0); and the issues, one per product and
    code. Variants with neither breaks nor a pack size are left out."""
    by_name = {rule.name.strip().casefold(): rule for rule in rules}
    codes = sorted(set(tier_codes))
    result: dict[str, dict[str, VariantVolume]] = {f"tier:{code}": {} for code in codes}
    issues = []
    for product in products:
        if not variants.get(product.sku):
            continue
        rule, problem = _quantity_rule(product, by_name)
        pack_size, pack_problem = pack_size_of(product, pack_size_setting)
        issues.extend(p for p in (problem, pack_problem) if p is not None)
        if rule is None and pack_size is None:
            continue
        unsupported, off_pack = {}, {}
        for code in codes:
            base = positive_amount(product.tier_prices.get(code))
            if base is None:
                continue
            breaks, bad, off = price_breaks(rule, base, pack_size) if rule else ((), [], [])
            unsupported.update((line.min_value, reason) for line, reason in bad)
            off_pack.update((line.min_value, reason) for line, reason in off)
            if breaks or pack_size:
                for variant_id in variants[product.sku]:
                    result[f"tier:{code}"][variant_id] = VariantVolume(breaks, pack_size)
        issues.extend(_line_issues(product, rule, unsupported, off_pack))
    return result, issues


def _quantity_rule(product: Product, by_name: dict) -> tuple[DiscountRule | None, Issue | None]:
    """The product's active quantity-based rule, or None (with an issue when the name is unknown, or the
    rule lowers the price of every quantity, which Shopify's price breaks cannot)."""
    if not product.discount_rule:
        return None, None
    rule = by_name.get(product.discount_rule.strip().casefold())
    if rule is None or not rule.is_active:
        message = (
            f"{product.sku}: discount rule “{product.discount_rule}” is not an active Cin7 discount rule."
        )
        issue = Issue(
            Code.B2B_DISCOUNT_RULE_NOT_FOUND, message, sku=product.sku, subject=f"volume:{product.sku}"
        )
        return None, issue
    if rule.is_quantity_based:
        return rule, None
    if all(line_price(line, Decimal(1)) == Decimal(1) for line in rule.lines):
        return None, None
    message = (
        f"{product.sku}: discount rule “{rule.name}” ({rule.type}) applies to every quantity; Shopify "
        "volume pricing cannot express it."
    )
    return None, Issue(
        Code.B2B_DISCOUNT_LINE_UNSUPPORTED, message, sku=product.sku, subject=f"volume:{product.sku}"
    )


def _line_issues(
    product: Product, rule: DiscountRule | None, unsupported: dict, off_pack: dict
) -> list[Issue]:
    issues = []
    for code, lines in (
        (Code.B2B_DISCOUNT_LINE_UNSUPPORTED, unsupported),
        (Code.B2B_BREAK_OFF_PACK_SIZE, off_pack),
    ):
        if lines:
            reasons = "; ".join(sorted(set(lines.values())))
            message = (
                f"{product.sku}: {len(lines)} line(s) of discount rule “{rule.name}” left out: {reasons}."
            )
            issues.append(Issue(code, message, sku=product.sku, subject=f"volume:{product.sku}"))
    return issues


def held_state(held: Volume) -> dict:
    """What Shopify holds for a variant, as `VariantVolume.state` (amounts normalised); a quantity rule not
    of the app's shape as [min, increment, max], so it never equals a pack size."""
    breaks = [[minimum, format_amount(Decimal(amount))] for minimum, amount in held.breaks]
    pack_size = None
    if held.rule:
        minimum, increment, maximum = held.rule
        pack_size = minimum if minimum == increment and maximum is None else list(held.rule)
    return {"breaks": breaks, "pack_size": pack_size}


def volume_changes(desired: dict, current: dict) -> tuple[VolumeChange, dict[str, tuple[int, int]]]:
    """What brings `current` to `desired` (variant -> state): breaks replaced and rules removed in one
    `quantityPricingByVariantUpdate`, then the rules to add (`quantityRulesAdd`, which checks a rule
    against the breaks already there). A rule that changes with the breaks is removed first, so the new
    breaks never meet the old increment."""
    change, rules = VolumeChange(), {}
    for variant in sorted(set(desired) | set(current)):
        want, have = desired.get(variant, NO_VOLUME), current.get(variant, NO_VOLUME)
        breaks_differ = want["breaks"] != have["breaks"]
        if breaks_differ:
            change.breaks[variant] = tuple((minimum, amount) for minimum, amount in want["breaks"])
        if want["pack_size"] == have["pack_size"]:
            continue
        if want["pack_size"]:
            rules[variant] = (want["pack_size"], want["pack_size"])
        if have["pack_size"] and (breaks_differ or not want["pack_size"]):
            change.rules_removed.append(variant)
    return change, rules
