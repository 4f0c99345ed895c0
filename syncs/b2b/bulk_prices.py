"""The catalogs' fixed prices, in bulk when many (issue 26): after the catalogs (or B2B markets) and their
price lists are written, every catalog's changed fixed prices are compared at once; from
`CATALOG_BULK_THRESHOLD` `priceListFixedPricesUpdate` calls (250 prices each) in all, they run as the
lines of one bulk mutation (one line per call the single path would make), else as single calls.

A line Shopify refuses is reported for its catalog as the single call's refusal is, and its prices are not
recorded (the next run sends them again). Kill safety as in `bulk_stage.py`: the operation is kept from
before its start until its results are read, and the next run waits for it before it compares anything;
the deletions it made are then recorded, its additions not (the amounts it sent are not kept), so they
are sent again, which overwrites and duplicates nothing.
"""

from functools import cached_property

from connectors.shopify.b2b import B2BAdmin, fixed_price_batches, fixed_prices_variables
from connectors.shopify.bulk_mutations import BulkMutations

from ..issues import Code, Issue
from ..store import CatalogRecord
from . import bulk_stage as stage
from .diff import price_changes
from .writes import Refused

# Lines (calls of 250 prices, catalogs, locations) from which a catalog stage runs in bulk: a first B2B run
# reaches its catalogs with the bucket spent, where a single call takes 0.1 s and a stage ~3 s + lines/100
# (docs/benchmarks.md "Catalogs, price lists, fixed prices and membership in bulk").
CATALOG_BULK_THRESHOLD = 50
FIXED_PRICES = "fixed_prices"


class CatalogStages:
    """The bulk client and threshold of one run's catalog stages."""

    threshold = CATALOG_BULK_THRESHOLD

    def __init__(self, ctx, client):
        self.ctx, self.client = ctx, client

    @cached_property
    def bulk(self) -> BulkMutations:
        return BulkMutations(self.client)

    def resume_prices(self, rows: dict[str, CatalogRecord]) -> None:
        """Wait for the fixed prices a killed run sent in bulk; record the deletions they made."""
        for record, operation in stage.pending(self.ctx, self.bulk, (FIXED_PRICES,)):
            for (key, price_list_id, deletes), outcome in stage.outcomes(self.bulk, record, operation):
                row = rows.get(key)
                if outcome.ok and row is not None and row.price_list_id == price_list_id and deletes:
                    for variant_id in deletes:
                        (row.prices or {}).pop(variant_id, None)
                    self.ctx.store.save_catalog(row)
            self.ctx.store.delete_bulk_operation(record)


def write_all_prices(ctx, api: B2BAdmin, stages: CatalogStages, todo: list, currency: str, noun: str) -> None:
    """Bring each `(row, desired)` of `todo` (price list made) to its desired fixed prices; a refusal is
    reported as “Shopify refused <noun> “title”: …”. `desired.prices` is let go once compared."""
    changes = []
    for row, desired in todo:
        changed, removed = price_changes(desired.prices, row.prices or {})
        desired.prices = {}
        if changed or removed:
            changes.append((row, changed, removed))
    calls = sum(-(-(len(changed) + len(removed)) // 250) for _row, changed, removed in changes)
    if calls >= stages.threshold:
        _write_in_bulk(ctx, stages, changes, currency, noun)
        return
    for row, changed, removed in changes:
        try:
            send_prices(ctx, api, row, changed, removed, currency)
        except Refused as refused:
            _report(ctx, noun, row.title, refused)


def send_prices(ctx, api: B2BAdmin, row: CatalogRecord, changed: dict, removed: list, currency: str) -> None:
    """The single calls (250 prices each) that bring `row`'s price list to these changes; what landed
    is recorded in `row.prices`; a refusal raises."""
    for _ in range(-(-(len(changed) + len(removed)) // 250)):
        ctx.before_write()
    done, errors = api.set_fixed_prices(row.price_list_id, changed, removed, currency)
    written = row.prices or {}
    for variant_id in done:
        if variant_id in changed:
            written[variant_id] = changed[variant_id]
        else:
            written.pop(variant_id, None)
    row.prices = written
    ctx.store.save_catalog(row)
    ctx.count("variants_updated", len(done))
    if errors:
        raise Refused(errors[0])


def _write_in_bulk(ctx, stages: CatalogStages, changes: list, currency: str, noun: str) -> None:
    """One bulk operation of every batch; each line's prices recorded once its result is read."""
    batches = [
        (row, adds, deletes)
        for row, changed, removed in changes
        for adds, deletes in fixed_price_batches(changed, removed)
    ]
    rows = [row for row, _changed, _removed in changes]
    changes.clear()  # the batches hold what is sent: the maps of changes can go (a tier's is large)
    keys = [[row.key, row.price_list_id, deletes] for row, _adds, deletes in batches]
    lines = (
        fixed_prices_variables(row.price_list_id, adds, deletes, currency) for row, adds, deletes in batches
    )
    record, operation = stage.start(ctx, stages.bulk, FIXED_PRICES, "b2b_fixed_prices_update", keys, lines)
    refused: dict[str, object] = {}
    for outcome in stages.bulk.results(operation if operation.finished else stages.bulk.wait(operation)):
        row, adds, deletes = batches[outcome.line]
        if not outcome.ok:
            refused.setdefault(row.key, (row, outcome))
            continue
        written = row.prices if row.prices is not None else {}
        written.update(adds)
        for variant_id in deletes:
            written.pop(variant_id, None)
        row.prices = written
        ctx.count("variants_updated", len(adds) + len(deletes))
    for row in rows:
        ctx.store.save_catalog(row)
    ctx.store.delete_bulk_operation(record)
    for row, outcome in refused.values():
        _report(ctx, noun, row.title, outcome.reason("no prices returned"))


def _report(ctx, noun: str, title: str, reason) -> None:
    ctx.report(
        Issue(Code.SHOPIFY_USER_ERROR, f"Shopify refused {noun} “{title}”: {reason}", subject="b2b:shop")
    )
