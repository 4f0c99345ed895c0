"""Pricing sync: tier names on the shop, 10 tier prices per variant (contract §3 "Prices").

Variants are matched by exact, case-sensitive SKU. The SKU -> variant map is read once per run: one page
for small catalogs, a bulk export for large ones on full runs, batched SKU searches on incremental runs.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass

from ..context import OVERLAP
from ..issues import Code, Issue
from .mapping import (
    PricedProduct,
    duplicate_tier_names,
    price_tiers_value,
    tier_display_names,
    tier_names_value,
    value_hash,
)
from .writes import write_tier_names, write_variant_prices

logger = logging.getLogger(__name__)

SKU_LIST_IN_MESSAGE = 20


@dataclass
class Priced:
    """What the pricing phase read, for the B2B phase (which empties it once mapped).

    `products`: every active Cin7 product (`PricedProduct`) and `variants`: SKU -> the Shopify variant ids
    of each active Cin7 SKU, when it read them all (None otherwise); `read`: how many products it read (the
    changed ones on an incremental run).
    """

    read: int
    products: list | None = None
    variants: dict[str, tuple[str, ...]] | None = None


class PricingJob:
    def __init__(self, ctx):
        self.ctx = ctx
        self.api = ctx.shopify

    def run(self, *, full: bool) -> Priced:
        ctx, state = self.ctx, self.ctx.state
        names = tier_display_names(ctx.tiers)
        names_value = tier_names_value(names)
        names_changed = value_hash(names_value) != state.price_tier_names_hash
        self._report_duplicate_tier_names(ctx.tiers)
        read_all = full or names_changed or state.products_watermark is None
        since = None if read_all else state.products_watermark - OVERLAP
        ctx.progress.phase("Reading products")
        active, deprecated, read = self._read_products(since, include_deprecated=not read_all)
        ctx.progress.phase("Reading Shopify variants")
        variants = self._variants(read_all, active.keys() | deprecated, expected=len(active))
        desired = self._desired_values(active, deprecated, variants, names)
        blocked = ("PRODUCTVARIANT", "price_tiers") in ctx.definition_conflicts
        if blocked:
            desired = {}  # Shopify would refuse every value (reported once, as definition_conflict)
        rows = ctx.store.variant_prices(None if read_all and not blocked else set(desired))
        if read_all:
            # Variants the app priced whose SKU no longer belongs to an active Cin7 product.
            for variant_id, row in rows.items():
                if variant_id not in desired:
                    desired[variant_id] = (row.sku, None)
            self._evaluate_open_sku_problems()
        write_variant_prices(ctx, desired, rows)
        del desired, rows
        self._report_skus(active, variants)
        # Last: the stored names hash is what makes a later run re-read everything after a rename, so it
        # only changes once every variant carries the new names (a run killed before this repeats it).
        if names_changed and not blocked and ("SHOP", "price_tier_names") not in ctx.definition_conflicts:
            write_tier_names(ctx, names, names_value)
        if not read_all:
            return Priced(read=read)
        # Only what the B2B phase can price: the active SKUs' variants (a Shopify-only SKU never is).
        priced = {sku: tuple(ids) for sku, ids in variants.items() if sku in active}
        return Priced(read=read, products=list(active.values()), variants=priced)

    def _read_products(
        self, since, *, include_deprecated: bool
    ) -> tuple[dict[str, PricedProduct], set[str], int]:
        """SKU -> each active product read (as `PricedProduct`: 20k Cin7 records are never all held), the
        SKUs of the deprecated ones no active product has, and how many products were read."""
        ctx = self.ctx
        active, deprecated, read = {}, set(), 0
        for product in ctx.cin7.iter_products(modified_since=since, include_deprecated=include_deprecated):
            read += 1
            if product.is_deprecated:
                deprecated.add(product.sku)
            else:
                active[product.sku] = PricedProduct.of(product)
            ctx.progress.advance()
        ctx.count("read", read)
        ctx.report_bad_records()
        return active, deprecated - active.keys(), read

    def _report_duplicate_tier_names(self, tiers) -> None:
        self.ctx.evaluated("pricing:tier_names")
        duplicates = duplicate_tier_names(tiers)
        if duplicates:
            self.ctx.report(
                Issue(
                    Code.DUPLICATE_TIER_NAME,
                    f"Several Cin7 price tiers are named {', '.join(duplicates)}.",
                    subject="pricing:tier_names",
                )
            )

    def _variants(self, read_all: bool, skus, *, expected: int) -> dict[str, list[str]]:
        """SKU -> variant IDs, exact and case-sensitive; several variants may share a SKU."""
        found: dict[str, list[str]] = defaultdict(list)
        if read_all:
            for variant in self.api.all_variants(expected=expected):
                found[variant.sku].append(variant.id)
                self.ctx.heartbeat()
        else:
            for sku, variants in self.api.variants_by_sku(skus).items():
                found[sku] = [v.id for v in variants]
        return found

    def _desired_values(self, active, deprecated, variants, names) -> dict[str, tuple[str, str | None]]:
        desired = {}
        for sku, product in active.items():
            value = price_tiers_value(product, names)
            for variant_id in variants.get(sku, ()):
                desired[variant_id] = (sku, value)
            self.ctx.evaluated(f"sku:{sku}")
        for sku in deprecated:
            for variant_id in variants.get(sku, ()):
                desired[variant_id] = (sku, None)
            self.ctx.evaluated(f"sku:{sku}")
        return desired

    def _evaluate_open_sku_problems(self) -> None:
        """A full run sees every active SKU, so an open problem about a SKU it did not meet (deprecated or
        deleted in Cin7 since) is over: mark those SKUs evaluated so they clear."""
        for subject in self.ctx.store.open_problem_subjects("sku:"):
            self.ctx.evaluated(subject)

    def _report_skus(self, active: dict, variants: dict[str, list[str]]) -> None:
        missing = sorted(sku for sku in active if sku not in variants)
        if missing:
            shown = ", ".join(missing[:SKU_LIST_IN_MESSAGE]) + (
                " …" if len(missing) > SKU_LIST_IN_MESSAGE else ""
            )
            self.ctx.report(
                Issue(
                    Code.SKU_NOT_FOUND,
                    f"{len(missing)} Cin7 SKU{'s have' if len(missing) > 1 else ' has'} "
                    f"no Shopify variant: {shown}",
                    sku=", ".join(missing),
                    subject="pricing:sku_not_found",
                    items=tuple(missing),
                )
            )
        for sku in sorted(active):
            if len(variants.get(sku, ())) > 1:
                self.ctx.report(
                    Issue(
                        Code.DUPLICATE_SKU,
                        f"SKU {sku} is on {len(variants[sku])} Shopify variants "
                        f"({', '.join(variants[sku])}); "
                        "each got the Cin7 prices.",
                        sku=sku,
                        subject=f"sku:{sku}",
                    )
                )
