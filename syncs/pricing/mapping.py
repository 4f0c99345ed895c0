"""Pure mapping of Cin7 price tiers and products to Shopify metafield values (contract §3 "Prices")."""

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from connectors.cin7.records import PriceTier, Product

from ..money import format_amount, positive_amount


@dataclass(frozen=True, slots=True)
class PricedProduct:
    """What the pricing and B2B phases need of an active Cin7 product: its SKU, its tier prices above 0
    (Cin7's 0 is "no price"), carton quantity and discount rule; not its ID, name, status or dates (20k
    products held from the pricing phase through the B2B mapping would carry some 10 MB of them)."""

    sku: str
    tier_prices: dict[int, Decimal]
    carton_quantity: Decimal | None = None
    discount_rule: str | None = None

    @classmethod
    def of(cls, product: Product) -> "PricedProduct":
        prices = {code: price for code, price in product.tier_prices.items() if positive_amount(price)}
        return cls(product.sku, prices, product.carton_quantity, product.discount_rule)


def value_hash(value: str | None) -> str:
    """What is kept of a written value: its SHA-256 ("" for none)."""
    return hashlib.sha256((value or "").encode()).hexdigest() if value is not None else ""


def tier_display_names(tiers: list[PriceTier]) -> dict[int, str]:
    """Tier code -> the name used in metafields. Unique names stay as they are; names shared by several
    tiers get their tier number, so no JSON key collides (`Wholesale (Tier 2)`, `Wholesale (Tier 5)`)."""
    counts = Counter(t.name.strip().casefold() for t in tiers)
    names = {}
    for tier in sorted(tiers, key=lambda t: t.code):
        name = tier.name.strip() or f"Tier {tier.code}"
        names[tier.code] = f"{name} (Tier {tier.code})" if counts[tier.name.strip().casefold()] > 1 else name
    return names


def duplicate_tier_names(tiers: list[PriceTier]) -> list[str]:
    """The names `tier_display_names` had to tell apart (compared as it does, ignoring case)."""
    counts = Counter(t.name.strip().casefold() for t in tiers)
    return sorted({t.name.strip() for t in tiers if counts[t.name.strip().casefold()] > 1})


def tier_names_value(names: dict[int, str]) -> str:
    """`cin7.price_tier_names`: the tier names in tier-code order, as a JSON list."""
    return json.dumps([names[code] for code in sorted(names)], ensure_ascii=False, separators=(",", ":"))


def price_tiers_value(product: Product | PricedProduct, names: dict[int, str]) -> str | None:
    """`cin7.price_tiers` of the variants of `product`: `{"<tier name>": "12.50", …}` in tier-code order,
    tiers priced above 0 only; None when no tier has a price (the metafield should not exist)."""
    prices = {}
    for code in sorted(product.tier_prices):
        amount = positive_amount(product.tier_prices[code])
        if amount is not None and code in names:
            prices[names[code]] = format_amount(amount)
    return json.dumps(prices, ensure_ascii=False, separators=(",", ":")) if prices else None
