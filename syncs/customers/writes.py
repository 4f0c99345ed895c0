"""The Shopify writes of the customer sync, batch by batch: linked customers updated with what differs,
unlinked ones adopted or created (`linking`), customers leaving the scope stripped.

Links are saved right after Shopify confirms each batch (`book`), so a killed run resumes without
duplicates or repeated writes.
"""

from ..store import CustomerLinkRecord
from .book import LinkBook
from .bulk_create import EMAIL_BATCH, BulkCreator
from .diff import CustomerChanges, DesiredCustomer, diff_customer
from .linking import CustomerLinker
from .shopify_writes import CustomerWrites

PRICES_ONLY = frozenset({"customer_prices"})


class CustomerWriter:
    def __init__(self, ctx, links: dict[str, CustomerLinkRecord], *, prices_only: bool = False):
        self.ctx = ctx
        self.book = LinkBook(ctx, links)
        self.writes = CustomerWrites(ctx, self.book)
        self.linker = CustomerLinker(ctx, self.book, self.writes)
        self.bulk = BulkCreator(ctx, self.book, self.writes, self.linker)
        self.components = PRICES_ONLY if prices_only else None
        self.prices_only = prices_only

    def update_batch(self, states: list[DesiredCustomer]) -> None:
        """Write what differs from each linked customer's snapshot; relink those deleted in Shopify."""
        metafield_only = []
        for state in states:
            self.ctx.progress.advance()
            link = self.book.links[state.cin7_id]
            if self.book.refused_again(link, state):
                continue
            changes = diff_customer(state, link.written, components=self.components)
            if not self.prices_only and not link.in_scope:
                link.in_scope = True
                self.book.changed(link)
            if changes.empty:
                self.ctx.count("unchanged")
                self.book.clear_refused(link)
                continue
            if self.ctx.dry_run:
                self.ctx.count("updated")
                self.book.plan("update", state, changes)
            elif changes.fields:
                self.writes.update(link, state, changes)
            else:
                metafield_only.append((link, state, changes))
        if metafield_only:
            self.writes.write_metafield_changes(metafield_only)
        self.book.save()
        relinks = self.book.take_relinks()
        if relinks:
            self.link_batch(relinks)

    def link_batch(self, states: list[DesiredCustomer]) -> None:
        self.linker.link_batch(states)

    def link_all(self, states: list[DesiredCustomer]) -> None:
        """Adopt or create the unlinked customers: found by one export of Shopify's customers when there
        are `ExistingCustomers.threshold` or more, else looked up 50 at a time; the new ones created in
        bulk when there are `BulkCreator.threshold` or more (not in a dry run), else 50 per batch."""
        self.linker.existing.read_export([state.email for state in states])
        if self.ctx.dry_run or len(states) < self.bulk.threshold:
            for start in range(0, len(states), EMAIL_BATCH):
                self.link_batch(states[start : start + EMAIL_BATCH])
            self.linker.existing.forget()
            return
        to_create = []
        for start in range(0, len(states), EMAIL_BATCH):
            to_create += self.linker.adopt_found(states[start : start + EMAIL_BATCH])
            self.book.save()
        self.linker.existing.forget()
        if len(to_create) >= self.bulk.threshold:
            self.bulk.create(to_create)
            return
        for start in range(0, len(to_create), EMAIL_BATCH):
            self.linker.create_each(to_create[start : start + EMAIL_BATCH])

    def resume_bulk(self, desired: dict[str, DesiredCustomer]) -> None:
        """Finish the bulk creations a killed run left (before anyone is linked)."""
        if not self.ctx.dry_run and not self.prices_only:
            self.bulk.resume(desired)

    def strip(self, link: CustomerLinkRecord) -> None:
        """`on_untag: strip`: remove the app's tags and every `cin7` metafield it wrote; keep the customer."""
        changes = CustomerChanges(
            tags_remove=list(link.written.get("tags") or ()),
            metafields_delete=sorted((link.written.get("metafields") or {}).keys()),
        )
        state = DesiredCustomer(link.cin7_id, link.email, {}, (), {})
        link.in_scope = False
        self.book.changed(link)
        if changes.empty:
            self.book.save()
            return
        if self.ctx.dry_run:
            self.ctx.count("updated")
            self.book.plan("strip", state, changes)
            return
        self.writes.finish_tags_and_deletes(link, state, changes, [])
        self.book.save()
