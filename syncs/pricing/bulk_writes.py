"""Variant prices in bulk (issue 26): from `BULK_PRICES_THRESHOLD` changed variants, their `metafieldsSet`
calls (25 variants each) run as the lines of one `bulkOperationRunMutation` instead of one request each.
Only the upload, the start and the polls spend the request bucket (sandbox/BULK.md).

A line Shopify refuses goes through the single call, which retries input by input and reports what it
refuses, exactly as before. `metafieldsSet` is idempotent, so a run killed during the operation simply
writes those prices again; the operation is kept (a `BulkOperationRecord`) until it finished, so the next
run first waits for it, and an older value it still sets cannot land after the newer one.
"""

import uuid

from connectors.shopify.bulk_mutations import BulkMutations
from connectors.shopify.documents import document

from ..store import BulkOperationRecord

# docs/benchmarks.md "Variant prices in bulk": 40 lines (1,000 variants) cost 400 points as single calls,
# about 4 s of a spent bucket on a standard plan; the bulk operation costs ~50 points and about as long.
BULK_PRICES_THRESHOLD = 1000
KIND = "variant_prices"


def set_in_bulk(ctx, chunks: list[list], variables, record_written) -> list[list]:
    """Run `chunks` as the lines of one bulk operation (`variables(chunk)` each); `record_written(chunk)`
    for each line Shopify took. Returns the chunks to send as single calls (refused or never run)."""
    bulk = BulkMutations(ctx.shopify.client)
    finish_kept_operation(ctx, bulk)
    ctx.before_write()
    path = bulk.stage(variables(chunk) for chunk in chunks)
    ctx.before_write()
    record = BulkOperationRecord(KIND, f"cin7_{KIND}_{uuid.uuid4().hex}")
    operation = bulk.run(document("metafields_set"), path, record.client_identifier)
    record.operation_id = operation.id
    ctx.store.save_bulk_operation(record)
    operation = bulk.wait(operation)
    pending = dict(enumerate(chunks))
    for outcome in bulk.results(operation):
        chunk = pending.pop(outcome.line, None)
        if chunk is not None and outcome.ok:
            record_written(chunk)
        elif chunk is not None:
            pending[outcome.line] = chunk
    ctx.store.delete_bulk_operation(record)
    return [pending[line] for line in sorted(pending)]


def finish_kept_operation(ctx, bulk: BulkMutations | None = None) -> None:
    """Wait for the price operation a killed run left (its values are written again after it)."""
    for record in ctx.store.bulk_operations([KIND]):
        bulk = bulk or BulkMutations(ctx.shopify.client)
        operation = bulk.get(record.operation_id)
        if operation is not None and not operation.finished:
            bulk.wait(operation)
        ctx.store.delete_bulk_operation(record)
