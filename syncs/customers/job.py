"""Customer sync: Cin7 customers in scope -> Shopify customers, writing only differences (contract §3-4).

Order of work per run: map every record (pure), drop ambiguous emails, update linked customers, then look
up the unlinked ones by email in batches and adopt or create them, then apply `on_untag` to customers
that left the scope. Links are saved right after Shopify confirms each batch, so a killed run resumes
without duplicates: a create that may have happened is found by email on the rerun.
"""

import logging
from collections.abc import Iterable
from dataclasses import replace

from connectors.cin7.records import Customer

from ..store import CustomerLinkRecord
from .diff import KEEP, DesiredCustomer
from .duplicates import drop_duplicate_emails
from .mapping import MappingSettings, in_scope, map_customer, selected_by_test_filter
from .reading import FullRead, read_customers
from .repairs import check_shopify_edits, remember_check
from .writes import CustomerWriter

logger = logging.getLogger(__name__)

BATCH = 50


def mapping_settings(ctx) -> MappingSettings:
    s = ctx.settings
    return MappingSettings.build(
        customer_tags=s.customer_tags,
        group_mappings=s.group_mappings,
        tax_exempt_rules=s.tax_exempt_rules,
        test_emails=s.test_emails,
        shop_country=ctx.shop.country_code,
    )


class CustomerJob:
    """One pass over Cin7 customers. `prices_only` writes just `cin7.customer_prices` of linked customers
    (the pricing kind); otherwise the whole customer. Without `keep_records` the Cin7 records are let go
    once mapped (the list `run` returns is then empty): only a later phase that reads them needs them; with
    it, only the records of customers in scope or linked are kept (`read_ids` has every ID read). A full
    read without `keep_records` maps each customer as it is read, so they are never all held."""

    def __init__(self, ctx, *, prices_only: bool = False, keep_records: bool = True):
        self.ctx = ctx
        self.prices_only = prices_only
        self.keep_records = keep_records
        self.settings = mapping_settings(ctx)
        self.links: dict[str, CustomerLinkRecord] = {}
        self.read_ids: list[str] = []  # with `keep_records`: every customer read, kept or not

    def run(self, *, since) -> list[Customer]:
        """Read the customers modified since `since` (every one when None), sync them; return them."""
        if since is None and not self.keep_records:
            self._sync_as_read()
            return []
        customers, read_whole = read_customers(self.ctx, since)
        self.sync(customers, complete=since is None and read_whole)
        return customers

    def sync(self, customers: list[Customer], *, complete: bool) -> None:
        """`complete`: `customers` is everything Cin7 has (a full read), so absence means gone."""
        self.links = self._load_links(customers, complete)
        desired, leaving, seen = self._map(customers)
        if not self.keep_records:
            customers.clear()  # mapped: the desired states are all the writes need
        else:  # the B2B phase needs the records of those it may make companies of, and every ID
            self.read_ids = [customer.id for customer in customers]
            customers[:] = [c for c in customers if c.id in self.links or in_scope(c, self.settings)]
        self._write_mapped(desired, leaving, seen, complete)

    def _sync_as_read(self) -> None:
        """A full read, each customer mapped as Cin7's pages arrive (10k records are never all held)."""
        self.links = self.ctx.store.customer_links(None)
        read = FullRead(self.ctx)
        desired, leaving, seen = self._map(read, phase="Reading Cin7 customers")
        if not read.whole:  # not complete: only the links of the customers read, as `sync` loads them
            self.links = {cin7_id: link for cin7_id, link in self.links.items() if cin7_id in seen}
        self._write_mapped(desired, leaving, seen, read.whole)

    def _write_mapped(self, desired: dict, leaving: list, seen: set, complete: bool) -> None:
        writes_before = self.ctx.writes
        self.writer = CustomerWriter(self.ctx, self.links, prices_only=self.prices_only)
        drop_duplicate_emails(self.ctx, desired, complete, seen)
        listing = None
        if complete and not self.prices_only:
            # Cin7 wins on full runs: what was edited in Shopify since the last check is put back below.
            listing = check_shopify_edits(self.ctx, self.links, desired, self.settings.managed_tags())
        if complete and not self.settings.test_emails and not self.prices_only:
            leaving += [link for link in self.links.values() if link.in_scope and link.cin7_id not in seen]
        if leaving:
            # First, so a Shopify customer given up by a deprecated Cin7 customer can be taken over by the
            # one that replaced it (same email) below, and a strip never undoes what that one writes.
            self.ctx.progress.phase("Customers leaving the scope", len(leaving))
            self._leave_scope(leaving)
        self._write(desired)
        if listing is not None and not self.ctx.dry_run:
            remember_check(self.ctx, listing, wrote=self.ctx.writes > writes_before)

    def _map(self, customers: Iterable[Customer], phase: str = "Mapping customers") -> tuple[dict, list, set]:
        """The desired state of each customer in scope, the links of those that left it, and every ID."""
        # Keys Shopify defines with another type (a definition_conflict issue): Shopify would refuse them.
        blocked = {key for owner, key in self.ctx.definition_conflicts if owner == "CUSTOMER"}
        desired, leaving, seen = {}, [], set()
        self.ctx.progress.phase(phase)
        for customer in customers:
            seen.add(customer.id)
            self.ctx.count("read")
            self.ctx.progress.advance()
            if not selected_by_test_filter(customer, self.settings):
                continue
            # Re-checked now: its old problems give way to today's (none, if it left the scope).
            self.ctx.evaluated(f"customer:{customer.id}")
            link = self.links.get(customer.id)
            if not in_scope(customer, self.settings):
                if link is not None and link.in_scope and not self.prices_only:
                    leaving.append(link)
                continue
            state, issues = map_customer(customer, self.settings)
            if state is not None and blocked:
                state = _without_metafields(state, blocked)
            for issue in issues:
                self.ctx.report(issue)
            if state is None:
                self.ctx.count("skipped")
            else:
                desired[customer.id] = state
        return desired, leaving, seen

    def _write(self, desired: dict[str, DesiredCustomer]) -> None:
        """Linked customers first (batches of updates), then the unlinked ones (looked up, then made)."""
        self.writer.resume_bulk(desired)
        linked, unlinked = [], []
        for state in desired.values():
            link = self.links.get(state.cin7_id)
            if link is not None and link.shopify_id:
                linked.append(state)
            elif not self.prices_only:
                unlinked.append(state)
        self.ctx.progress.phase("Writing customers", len(linked) + len(unlinked))
        for start in range(0, len(linked), BATCH):
            self.writer.update_batch(linked[start : start + BATCH])
        self.writer.link_all(unlinked)

    def _load_links(self, customers: list[Customer], complete: bool) -> dict[str, CustomerLinkRecord]:
        """Every link on full runs (absence from Cin7 matters); only the read customers' otherwise, so an
        incremental run costs what changed, not what the shop has."""
        return self.ctx.store.customer_links(None if complete else [customer.id for customer in customers])

    def _leave_scope(self, links: list[CustomerLinkRecord]) -> None:
        strip = self.ctx.settings.on_untag == "strip"
        for link in links:
            self.ctx.progress.advance()
            if strip and link.shopify_id:
                self.writer.strip(link)
            elif not self.ctx.dry_run:
                link.in_scope = False
                self.ctx.store.set_out_of_scope(link)


def _without_metafields(state: DesiredCustomer, keys: set[str]) -> DesiredCustomer:
    """`state` leaving the metafields `keys` as Shopify has them."""
    return replace(state, metafields={k: KEEP if k in keys else mf for k, mf in state.metafields.items()})
