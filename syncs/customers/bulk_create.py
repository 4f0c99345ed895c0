"""New customers created in bulk (issue 26): from `BULK_CREATE_THRESHOLD` new customers in a run, their
`customerCreate`s (tags and metafields in the input, as the single calls send them) run as one bulk
mutation, then their default addresses as a second one fed by the IDs the first returned. The end state is
the single calls' (`linking`): links marked before (`create_started_at`), invites held or pending alike,
and a line Shopify refuses goes through the single-call path, which reports it as it reports its own.

Kill safety: each operation is kept (a `BulkOperationRecord`, through the store) from before it starts
until its results are read; the next run resumes it (waits for it, reads its results) before linking
anyone, so a customer whose create is still running is never created again.
"""

import uuid
from functools import cached_property

from connectors.shopify.bulk_mutations import BulkMutations, BulkOperation
from connectors.shopify.documents import document

from ..store import BulkOperationRecord, CustomerLinkRecord
from .book import LinkBook
from .diff import DesiredCustomer, snapshot_of
from .linking import CustomerLinker
from .shopify_writes import CustomerWrites

# Measured on the sandbox (docs/benchmarks.md "Bulk creation of new customers"): from about this many new
# customers the two bulk stages take less modelled time than the single calls, on a bucket already spent.
BULK_CREATE_THRESHOLD = 150
CUSTOMER_CREATE = "customer_create"
ADDRESS_CREATE = "address_create"
KINDS = (CUSTOMER_CREATE, ADDRESS_CREATE)
EMAIL_BATCH = 50


class BulkCreator:
    """Creates one run's new customers in bulk, and finishes the bulk operations a killed run left."""

    threshold = BULK_CREATE_THRESHOLD

    def __init__(self, ctx, book: LinkBook, writes: CustomerWrites, linker: CustomerLinker):
        self.ctx, self.book, self.writes, self.linker = ctx, book, writes, linker

    @cached_property
    def bulk(self) -> BulkMutations:
        return BulkMutations(self.ctx.shopify.client)

    def resume(self, desired: dict[str, DesiredCustomer]) -> None:
        """Finish what a killed run started: wait for its operations, link what they created."""
        for record in self.ctx.store.bulk_operations(KINDS):
            operation = (
                self.bulk.get(record.operation_id)
                if record.operation_id
                else self.bulk.find(record.client_identifier)
            )
            if operation is None:  # never started: its customers are looked up by email, as any
                self.ctx.store.delete_bulk_operation(record)
                continue
            self._load_links([cin7_id for cin7_id, _ in record.lines])
            self._finish(record, operation, desired)

    def create(self, states: list[DesiredCustomer]) -> None:
        """Create these customers (none of them has an email Shopify knows) in bulk, then their addresses."""
        states = [s for s in states if not self.book.refused_again(self.book.links.get(s.cin7_id), s)]
        if not states:
            return
        self.book.mark_creates_started(states)
        states, later = _first_with_each_phone(states)
        record = _record(CUSTOMER_CREATE, [[s.cin7_id, s.state_hash] for s in states])
        operation = self._start(record, ({"input": s.create_input()} for s in states), "customer_create")
        self._finish(record, operation, {s.cin7_id: s for s in states})
        for start in range(0, len(later), EMAIL_BATCH):
            self.linker.create_each(later[start : start + EMAIL_BATCH])

    def _start(self, record: BulkOperationRecord, lines, document_name: str) -> BulkOperation:
        """Stage the lines and start the operation; kept in the store from before the start."""
        self.ctx.before_write()
        path = self.bulk.stage(lines)
        self.ctx.store.save_bulk_operation(record)  # a kill from here on: found by its client identifier
        self.ctx.before_write()
        operation = self.bulk.run(document(document_name), path, record.client_identifier)
        record.operation_id = operation.id
        self.ctx.store.save_bulk_operation(record)
        return operation

    def _finish(self, record: BulkOperationRecord, operation: BulkOperation, desired: dict) -> None:
        """Wait for the operation, apply its result lines, forget it; then what follows from them."""
        if not operation.finished:
            operation = self.bulk.wait(operation)
        if record.kind == CUSTOMER_CREATE:
            addresses, refused, unread = self._read_creates(record, operation, desired)
        else:
            addresses, refused, unread = [], self._read_addresses(record, operation, desired), []
        self.book.save()
        self.ctx.store.delete_bulk_operation(record)
        if addresses:
            self._create_addresses(addresses)
        if refused and record.kind == CUSTOMER_CREATE:
            self.linker.create_each(refused)  # the single call refuses it again, and reports it as ever
        elif refused:
            self.writes.write_addresses(refused)
        for start in range(0, len(unread), EMAIL_BATCH):  # no result (operation failed): look them up
            self.linker.link_batch(unread[start : start + EMAIL_BATCH])

    def _read_creates(self, record: BulkOperationRecord, operation: BulkOperation, desired: dict):
        """Link each created customer; returns its address jobs, the states refused and those not run."""
        pending = dict(enumerate(record.lines))
        addresses, refused = [], []
        for outcome in self.bulk.results(operation):
            cin7_id, state_hash = pending.pop(outcome.line, (None, None))
            link, state = self.book.links.get(cin7_id), desired.get(cin7_id)
            if link is None:
                continue
            self.ctx.progress.advance()
            customer = (outcome.payload or {}).get("customer") if outcome.ok else None
            if customer:
                same = state is not None and state.state_hash == state_hash
                address = self._created(link, customer["id"], state, same=same)
                if address is not None:
                    addresses.append((link, state, address, None))
            elif state is not None and not link.shopify_id:
                refused.append(state)
        unread = [desired[cin7_id] for cin7_id, _ in pending.values() if cin7_id in desired]
        return addresses, refused, unread

    def _created(self, link: CustomerLinkRecord, shopify_id: str, state, *, same: bool) -> dict | None:
        """Record a customer Shopify created; returns its address to write (None if none or unknown).
        `same`: `state` is what the line sent, else (Cin7 changed since) the next diff writes it all."""
        link.shopify_id = shopify_id
        link.written = snapshot_of(state) if same else {}
        address = link.written["fields"].pop("address", None) if same else None
        self.linker.mark_created(link, invite=True)
        if state is not None:
            self.book.settle(link, state, [], "created")
        else:
            self.ctx.count("created")
            self.book.changed(link)
        return address

    def _create_addresses(self, jobs: list) -> None:
        """Default addresses of new customers: in bulk from the threshold on, else 25 per request."""
        if len(jobs) < self.threshold:
            self.writes.write_addresses(jobs)
            return
        record = _record(ADDRESS_CREATE, [[link.cin7_id, address] for link, _s, address, _id in jobs])
        lines = ({"customerId": link.shopify_id, "address": address} for link, _s, address, _id in jobs)
        operation = self._start(record, lines, "bulk_address_create")
        self._finish(record, operation, {link.cin7_id: state for link, state, _a, _id in jobs})

    def _read_addresses(self, record: BulkOperationRecord, operation: BulkOperation, desired: dict) -> list:
        """Record each address Shopify created; returns the refused ones as address jobs."""
        refused = []
        for outcome in self.bulk.results(operation):
            cin7_id, address = record.lines[outcome.line]
            link, state = self.book.links.get(cin7_id), desired.get(cin7_id)
            if link is None:
                continue
            created = (outcome.payload or {}).get("address") if outcome.ok else None
            if created:
                fields = {**(link.written.get("fields") or {}), "address": address}
                link.written = {**link.written, "fields": fields, "address_id": created["id"]}
                self.book.changed(link)
            elif state is not None:
                refused.append((link, state, address, None))
        return refused

    def _load_links(self, cin7_ids: list[str]) -> None:
        """Links an incremental run did not load (it loads only the customers it read)."""
        missing = [cin7_id for cin7_id in cin7_ids if cin7_id not in self.book.links]
        if missing:
            self.book.links.update(self.ctx.store.customer_links(missing))


def _first_with_each_phone(states: list[DesiredCustomer]) -> tuple[list, list]:
    """The states to create in bulk, and those whose phone an earlier one has: created after, one call
    each, so the first keeps the phone as with single calls (bulk lines run in no particular order)."""
    first, later, phones = [], [], set()
    for state in states:
        phone = state.fields.get("phone")
        (later if phone and phone in phones else first).append(state)
        phones.add(phone)
    return first, later


def _record(kind: str, lines: list) -> BulkOperationRecord:
    return BulkOperationRecord(kind, f"cin7_{kind}_{uuid.uuid4().hex}", lines=lines)
