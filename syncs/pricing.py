"""Pricing sync: tier names on the shop, 10 tier prices per variant (contract §3 "Prices").

Variants are matched by exact, case-sensitive SKU. The SKU -> variant map is read once per run: one page
for small catalogs, a bulk export for large ones on full runs, batched SKU searches on incremental runs.
What was written is kept as a hash per variant (`VariantPrice`), so reruns write only differences.
"""

import hashlib
import logging
from collections import defaultdict
from datetime import timedelta

from connectors.shopify.records import MetafieldRef, MetafieldWrite
from integration_app.bulk import bulk_save
from integration_app.models import OpenProblem, VariantPrice

from .issues import Code, Issue
from .price_mapping import duplicate_tier_names, price_tiers_value, tier_display_names, tier_names_value
from .state import NAMESPACE

logger = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=10)
SKU_LIST_IN_MESSAGE = 20
ROWS_PER_QUERY = 500


def value_hash(value: str | None) -> str:
    return hashlib.sha256((value or "").encode()).hexdigest() if value is not None else ""


class PricingJob:
    def __init__(self, ctx):
        self.ctx = ctx
        self.api = ctx.shopify

    def run(self, *, full: bool) -> None:
        ctx, state = self.ctx, self.ctx.state
        names = tier_display_names(ctx.tiers)
        names_value = tier_names_value(names)
        names_changed = value_hash(names_value) != state.price_tier_names_hash
        self._report_duplicate_tier_names(ctx.tiers)
        read_all = full or names_changed or state.products_watermark is None
        since = None if read_all else state.products_watermark - OVERLAP
        ctx.progress.phase("Reading products")
        products = []
        for product in ctx.cin7.iter_products(modified_since=since, include_deprecated=not read_all):
            products.append(product)
            ctx.progress.advance()
        ctx.count("read", len(products))
        ctx.products_read = len(products)
        if read_all:
            ctx.all_products = products
        ctx.report_bad_records()
        active = {p.sku: p for p in products if not p.is_deprecated}
        deprecated = {p.sku for p in products if p.is_deprecated} - active.keys()
        ctx.progress.phase("Reading Shopify variants")
        variants = self._variants(read_all, active.keys() | deprecated, expected=len(active))
        if read_all and ctx.dry_run:
            ctx.all_variants = variants  # a preview writes no `VariantPrice`; the B2B preview reads these
        desired = self._desired_values(active, deprecated, variants, names)
        blocked = ("PRODUCTVARIANT", "price_tiers") in ctx.definition_conflicts
        if blocked:
            desired = {}  # Shopify would refuse every value (reported once, as definition_conflict)
        rows = self._rows(None if read_all and not blocked else set(desired))
        if read_all:
            # Variants the app priced whose SKU no longer belongs to an active Cin7 product.
            for variant_id, row in rows.items():
                if variant_id not in desired:
                    desired[variant_id] = (row.sku, None)
            self._evaluate_open_sku_problems()
        self._write(desired, rows)
        self._report_skus(active, variants)
        # Last: the stored names hash is what makes a later run re-read everything after a rename, so it
        # only changes once every variant carries the new names (a run killed before this repeats it).
        if names_changed and not blocked and ("SHOP", "price_tier_names") not in ctx.definition_conflicts:
            self._write_tier_names(names, names_value)

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

    def _write_tier_names(self, names: dict[int, str], value: str) -> None:
        ctx = self.ctx
        if ctx.dry_run:
            ctx.planned(
                {
                    "action": "update",
                    "shop": True,
                    "changes": {"metafield cin7.price_tier_names": {"to": value}},
                }
            )
            return
        ctx.before_write()
        failures = self.api.set_metafields(
            [MetafieldWrite(ctx.shop.shop_gid, NAMESPACE, "price_tier_names", "json", value)]
        )
        if failures:
            ctx.report(
                Issue(
                    Code.SHOPIFY_USER_ERROR,
                    f"Shopify refused the tier names: {failures[0][0]}",
                    subject="pricing:tier_names",
                )
            )
            return
        ctx.state.price_tier_names = [names[code] for code in sorted(names)]
        ctx.state.price_tier_names_hash = value_hash(value)
        ctx.state.save(update_fields=["price_tier_names", "price_tier_names_hash"])

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

    def _rows(self, variant_ids) -> dict[str, VariantPrice]:
        """What was written to `variant_ids` (all variants when None), by variant: by ID, not SKU, as a
        variant may have had another SKU when it was priced."""
        rows = VariantPrice.objects.filter(shop=self.ctx.shop)
        if variant_ids is None:
            return {row.variant_id: row for row in rows}
        ids, found = sorted(variant_ids), {}
        for start in range(0, len(ids), ROWS_PER_QUERY):
            for row in rows.filter(variant_id__in=ids[start : start + ROWS_PER_QUERY]):
                found[row.variant_id] = row
        return found

    def _evaluate_open_sku_problems(self) -> None:
        """A full run sees every active SKU, so an open problem about a SKU it did not meet (deprecated or
        deleted in Cin7 since) is over: mark those SKUs evaluated so they clear."""
        subjects = OpenProblem.objects.filter(shop=self.ctx.shop, subject__startswith="sku:")
        for subject in subjects.values_list("subject", flat=True).distinct():
            self.ctx.evaluated(subject)

    def _write(self, desired: dict, rows: dict[str, VariantPrice]) -> None:
        ctx = self.ctx
        sets, deletes = [], []
        for variant_id, (sku, value) in desired.items():
            row = rows.get(variant_id)
            if value is None:
                if row is not None:
                    deletes.append((variant_id, row))
            elif row is None or row.value_hash != value_hash(value):
                sets.append((variant_id, sku, value))
        ctx.progress.phase("Writing variant prices", len(sets) + len(deletes))
        if ctx.dry_run:
            ctx.count("variants_updated", len(sets) + len(deletes))
            for variant_id, sku, value in sets[:50]:
                ctx.planned(
                    {
                        "action": "update",
                        "variant_id": variant_id,
                        "sku": sku,
                        "changes": {"metafield cin7.price_tiers": {"to": value}},
                    }
                )
            return
        for start in range(0, len(sets), 25):
            self._set_chunk(sets[start : start + 25], rows)
        for start in range(0, len(deletes), 25):
            chunk = deletes[start : start + 25]
            ctx.before_write()
            errors = self.api.delete_metafields(
                [MetafieldRef(v, NAMESPACE, "price_tiers") for v, _row in chunk]
            )
            # A variant deleted in Shopify took its metafield with it: nothing left to delete.
            errors = [e for e in errors if e.code != "NOT_FOUND"]
            if errors:
                ctx.report(
                    Issue(Code.SHOPIFY_USER_ERROR, f"Shopify refused to delete variant prices: {errors[0]}")
                )
                continue
            VariantPrice.objects.filter(pk__in=[row.pk for _v, row in chunk]).delete()
            ctx.count("variants_updated", len(chunk))
            ctx.progress.advance(len(chunk))

    def _set_chunk(self, chunk: list, rows: dict[str, VariantPrice]) -> None:
        ctx = self.ctx
        ctx.before_write()
        writes = [MetafieldWrite(v, NAMESPACE, "price_tiers", "json", value) for v, _sku, value in chunk]
        failures = self.api.set_metafields(writes)
        new, changed = [], []
        for index, (variant_id, sku, value) in enumerate(chunk):
            if index in failures:
                ctx.report(
                    Issue(
                        Code.SHOPIFY_USER_ERROR,
                        f"Shopify refused the prices of SKU {sku}: {'; '.join(map(str, failures[index]))}",
                        sku=sku,
                        subject=f"sku:{sku}",
                    )
                )
                continue
            row = rows.get(variant_id)
            if row is None:
                row = rows[variant_id] = VariantPrice(
                    shop=ctx.shop, variant_id=variant_id, sku=sku, value_hash=""
                )
                new.append(row)
            else:
                changed.append(row)
            row.sku, row.value_hash = sku, value_hash(value)
        VariantPrice.objects.bulk_create(new)
        bulk_save(changed, ["sku", "value_hash", "updated_at"])
        ctx.count("variants_updated", len(chunk) - len(failures))
        ctx.progress.advance(len(chunk))

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
