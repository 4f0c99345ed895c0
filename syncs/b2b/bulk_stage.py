"""One B2B bulk stage (issue 26): its lines staged and started as one bulk mutation, kept in the store
(a `BulkOperationRecord`, `lines` = one key per input line) from before its start until its results are
read, so the run after a kill finds it (by its id, or by its client identifier when the kill came between
the start and the save) and reads it instead of starting another."""

import uuid
from collections.abc import Callable, Iterable, Iterator

from connectors.shopify.bulk_mutations import BulkMutations, BulkOperation, LineOutcome
from connectors.shopify.documents import document

from ..store import BulkOperationRecord


def start(
    ctx,
    bulk: BulkMutations,
    kind: str,
    document_name: str,
    keys: list,
    variables: Iterable[dict],
    before_run: Callable[[], None] | None = None,
):
    """Stage the variables (one line per key, same order) and start the operation; returns its record
    and the operation as Shopify answered. `before_run`: what to store once the record is, before the
    operation may run (a mark a rerun reads when the operation cannot be found)."""
    record = BulkOperationRecord(kind, f"cin7_{kind}_{uuid.uuid4().hex}", lines=keys)
    ctx.before_write()
    path = bulk.stage(variables)
    ctx.store.save_bulk_operation(record)  # a kill from here on: found by its client identifier
    if before_run is not None:
        before_run()
    ctx.before_write()
    operation = bulk.run(document(document_name), path, record.client_identifier)
    record.operation_id = operation.id
    ctx.store.save_bulk_operation(record)
    return record, operation


def pending(
    ctx, bulk: BulkMutations, kinds: tuple[str, ...]
) -> Iterator[tuple[BulkOperationRecord, BulkOperation]]:
    """The operations of these kinds a killed run left; those it never started are forgotten."""
    for record in ctx.store.bulk_operations(kinds):
        found = bulk.get(record.operation_id) if record.operation_id else bulk.find(record.client_identifier)
        if found is None:
            ctx.store.delete_bulk_operation(record)
            continue
        yield record, found


def outcomes(bulk: BulkMutations, record: BulkOperationRecord, operation: BulkOperation) -> Iterator[tuple]:
    """(line key, outcome) of each result line, once the operation finished."""
    if not operation.finished:
        operation = bulk.wait(operation)
    for outcome in bulk.results(operation):
        yield record.lines[outcome.line], outcome


def ok_or_done(outcome: LineOutcome) -> bool:
    """The line did its work, or a killed run's line had done it (a role already assigned)."""
    if outcome.errors or outcome.payload is None:
        return False
    return all(e.code == "LIMIT_REACHED" or "already" in e.message.lower() for e in outcome.user_errors)
