"""The Shopify writes of the pricing sync: `cin7.price_tiers` per variant, the tier names on the shop.

What was written is kept as a hash per variant (`VariantPriceRecord`), so reruns write only differences.
"""

from connectors.shopify.records import MetafieldRef, MetafieldWrite

from ..definitions import NAMESPACE
from ..issues import Code, Issue
from ..store import VariantPriceRecord
from .bulk_writes import BULK_PRICES_THRESHOLD, finish_kept_operation, set_in_bulk
from .mapping import value_hash

PER_CALL = 25  # metafields per metafieldsSet / metafieldsDelete
PLANNED_VARIANTS = 50


def write_variant_prices(ctx, desired: dict, rows: dict[str, VariantPriceRecord]) -> None:
    """Set or delete each variant's value in `desired` (variant -> (sku, value or None)) that differs."""
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
        for variant_id, sku, value in sets[:PLANNED_VARIANTS]:
            ctx.planned(
                {
                    "action": "update",
                    "variant_id": variant_id,
                    "sku": sku,
                    "changes": {"metafield cin7.price_tiers": {"to": value}},
                }
            )
        return
    chunks = [sets[start : start + PER_CALL] for start in range(0, len(sets), PER_CALL)]
    if len(sets) >= BULK_PRICES_THRESHOLD:
        chunks = set_in_bulk(
            ctx,
            chunks,
            lambda chunk: {"metafields": [write.as_input() for write in price_writes(chunk)]},
            lambda chunk: record_set_chunk(ctx, chunk, rows, {}),
        )
    else:
        finish_kept_operation(ctx)
    for chunk in chunks:
        set_chunk(ctx, chunk, rows)
    for start in range(0, len(deletes), PER_CALL):
        _delete_chunk(ctx, deletes[start : start + PER_CALL])


def _delete_chunk(ctx, chunk: list) -> None:
    ctx.before_write()
    errors = ctx.shopify.delete_metafields([MetafieldRef(v, NAMESPACE, "price_tiers") for v, _row in chunk])
    # A variant deleted in Shopify took its metafield with it: nothing left to delete.
    errors = [e for e in errors if e.code != "NOT_FOUND"]
    if errors:
        ctx.report(Issue(Code.SHOPIFY_USER_ERROR, f"Shopify refused to delete variant prices: {errors[0]}"))
        return
    ctx.store.delete_variant_prices([row for _v, row in chunk])
    ctx.count("variants_updated", len(chunk))
    ctx.progress.advance(len(chunk))


def set_chunk(ctx, chunk: list, rows: dict[str, VariantPriceRecord]) -> None:
    """One `metafieldsSet` of up to 25 variants' prices; refusals reported, the rest remembered."""
    ctx.before_write()
    record_set_chunk(ctx, chunk, rows, ctx.shopify.set_metafields(price_writes(chunk)))


def price_writes(chunk: list) -> list[MetafieldWrite]:
    return [MetafieldWrite(v, NAMESPACE, "price_tiers", "json", value) for v, _sku, value in chunk]


def record_set_chunk(ctx, chunk: list, rows: dict[str, VariantPriceRecord], failures: dict) -> None:
    """Remember what Shopify took of `chunk` (`failures`: the refused inputs' errors, by index)."""
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
            row = rows[variant_id] = VariantPriceRecord(variant_id=variant_id, sku=sku, value_hash="")
            new.append(row)
        else:
            changed.append(row)
        row.sku, row.value_hash = sku, value_hash(value)
    ctx.store.save_variant_prices(new, changed)
    ctx.count("variants_updated", len(chunk) - len(failures))
    ctx.progress.advance(len(chunk))


def write_tier_names(ctx, names: dict[int, str], value: str) -> None:
    """The shop's `cin7.price_tier_names`; remembered (names and hash) once Shopify took it."""
    if ctx.dry_run:
        ctx.planned(
            {"action": "update", "shop": True, "changes": {"metafield cin7.price_tier_names": {"to": value}}}
        )
        return
    ctx.before_write()
    failures = ctx.shopify.set_metafields(
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
    ctx.store.save_state(ctx.state, ["price_tier_names", "price_tier_names_hash"])
