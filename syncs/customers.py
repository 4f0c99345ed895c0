"""Customer sync: Cin7 customers in scope -> Shopify customers, writing only differences (contract §3-4).

Order of work per run: map every record (pure), drop ambiguous emails, update linked customers, then look
up the unlinked ones by email in batches and adopt or create them, then apply `on_untag` to customers
that left the scope. Links are saved right after Shopify confirms each batch, so a killed run resumes
without duplicates: a create that may have happened is found by email on the rerun.
"""

import logging
from collections import defaultdict
from dataclasses import replace

from connectors.cin7.records import Customer
from integration_app.models import CustomerLink, OnUntag

from .customer_mapping import MappingSettings, in_scope, map_customer, selected_by_test_filter
from .customer_writes import CustomerWriter
from .issues import Code, customer_issue
from .repairs import check_shopify_edits, remember_check
from .state import KEEP, DesiredCustomer

logger = logging.getLogger(__name__)

BATCH = 50
CHUNK = 900  # ids per IN (...) query, under SQLite's variable limit


def mapping_settings(ctx) -> MappingSettings:
    s = ctx.settings
    return MappingSettings.build(
        customer_tags=s.customer_tags,
        group_mappings=s.group_mappings,
        tax_exempt_rules=s.tax_exempt_rules,
        test_emails=s.test_emails,
        shop_country=ctx.shop_country,
    )


class CustomerJob:
    """One pass over Cin7 customers. `prices_only` writes just `cin7.customer_prices` of linked customers
    (the pricing kind); otherwise the whole customer."""

    def __init__(self, ctx, *, prices_only: bool = False):
        self.ctx = ctx
        self.prices_only = prices_only
        self.settings = mapping_settings(ctx)
        self.links: dict[str, CustomerLink] = {}

    def run(self, customers: list[Customer], *, complete: bool) -> None:
        """`complete`: `customers` is everything Cin7 has (a full read), so absence means gone."""
        writes_before = self.ctx.writes
        self.links = self._load_links(customers, complete)
        self.writer = CustomerWriter(self.ctx, self.links, prices_only=self.prices_only)
        # Keys Shopify defines with another type (a definition_conflict issue): Shopify would refuse them.
        self.blocked_metafields = {key for owner, key in self.ctx.definition_conflicts if owner == "CUSTOMER"}
        desired, leaving, seen = {}, [], set()
        self.ctx.progress.phase("Mapping customers")
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
            if state is not None and self.blocked_metafields:
                state = _without_metafields(state, self.blocked_metafields)
            for issue in issues:
                self.ctx.report(issue)
            if state is None:
                self.ctx.count("skipped")
            else:
                desired[customer.id] = state
        self._drop_duplicate_emails(desired, complete, seen)
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
        for start in range(0, len(unlinked), BATCH):
            self.writer.link_batch(unlinked[start : start + BATCH])
        if listing is not None and not self.ctx.dry_run:
            remember_check(self.ctx, listing, wrote=self.ctx.writes > writes_before)

    def _drop_duplicate_emails(self, desired: dict, complete: bool, seen: set[str]) -> None:
        """Cin7 customers sharing one default email are skipped, never guessed between (contract §3).
        `seen`: every customer this run read; what they are now counts, not what their links remember."""
        by_email = defaultdict(list)
        for state in desired.values():
            by_email[state.email].append(state.cin7_id)
        if not complete:
            # An incremental read holds only changed customers: compare with the linked ones too.
            emails = list(by_email)
            for start in range(0, len(emails), CHUNK):
                others = CustomerLink.objects.filter(
                    shop=self.ctx.shop, in_scope=True, email__in=emails[start : start + CHUNK]
                ).values_list("email", "cin7_id")
                for email, cin7_id in others:
                    if cin7_id not in seen:  # a customer read now is in `desired` or out of scope
                        by_email[email].append(cin7_id)
        for email, cin7_ids in by_email.items():
            if len(cin7_ids) < 2:
                continue
            for cin7_id in cin7_ids:
                if cin7_id not in desired:
                    continue
                others = ", ".join(sorted(i for i in cin7_ids if i != cin7_id))
                self.ctx.report(
                    customer_issue(
                        Code.DUPLICATE_EMAIL,
                        f"The email {email} belongs to the default contact of several Cin7 customers "
                        f"(also {others}); none of them is synced until it is unique.",
                        cin7_id,
                        email,
                    )
                )
                self.ctx.count("skipped")
                del desired[cin7_id]

    def _load_links(self, customers: list[Customer], complete: bool) -> dict[str, CustomerLink]:
        """Every link on full runs (absence from Cin7 matters); only the read customers' otherwise, so an
        incremental run costs what changed, not what the shop has."""
        links = CustomerLink.objects.filter(shop=self.ctx.shop)
        if complete:
            return {link.cin7_id: link for link in links}
        ids = [customer.id for customer in customers]
        found = {}
        for start in range(0, len(ids), CHUNK):
            found.update(
                {link.cin7_id: link for link in links.filter(cin7_id__in=ids[start : start + CHUNK])}
            )
        return found

    def _leave_scope(self, links: list[CustomerLink]) -> None:
        strip = self.ctx.settings.on_untag == OnUntag.STRIP
        for link in links:
            self.ctx.progress.advance()
            if strip and link.shopify_id:
                self.writer.strip(link)
            elif not self.ctx.dry_run:
                link.in_scope = False
                link.save(update_fields=["in_scope"])


def _without_metafields(state: DesiredCustomer, keys: set[str]) -> DesiredCustomer:
    """`state` leaving the metafields `keys` as Shopify has them."""
    return replace(state, metafields={k: KEEP if k in keys else mf for k, mf in state.metafields.items()})
