"""Linking Cin7 customers to Shopify customers: adopt the one with the same email, else create one.

Only a Cin7 customer still in scope owns its Shopify customer: one that was deprecated or untagged gives
it up to a new Cin7 customer with the same email (Cin7 cannot delete; merchants recreate).
"""

from connectors.shopify.records import ShopifyCustomer

from ..issues import Code, customer_issue
from ..store import CustomerLinkRecord, InviteState
from .book import LinkBook
from .diff import DesiredCustomer, diff_customer, snapshot_of
from .existing import ExistingCustomers
from .shopify_writes import CustomerWrites


class CustomerLinker:
    def __init__(self, ctx, book: LinkBook, writes: CustomerWrites):
        self.ctx = ctx
        self.api = ctx.shopify
        self.book = book
        self.writes = writes
        self.existing = ExistingCustomers(ctx)
        self._new_addresses: list[tuple[CustomerLinkRecord, DesiredCustomer, dict, str | None]] = []

    def link_batch(self, states: list[DesiredCustomer]) -> None:
        """Adopt the Shopify customers that already have these emails; create the others."""
        self.create_each(self.adopt_found(states))

    def adopt_found(self, states: list[DesiredCustomer]) -> list[DesiredCustomer]:
        """Adopt the Shopify customers that already have these emails (`existing`); returns the states no
        Shopify customer has the email of, to create."""
        found = self.existing.by_email(s.email for s in states)
        owners, given_up = self._owners([customer.id for customer in found.values()])
        to_create = []
        for state in states:
            existing = found.get(state.email)
            owner = owners.get(existing.id) if existing else None
            if existing and owner and owner != state.cin7_id:
                self.ctx.progress.advance()
                self.ctx.count("skipped")
                self.ctx.report(
                    customer_issue(
                        Code.DUPLICATE_EMAIL,
                        f"The Shopify customer with {state.email} is already linked to Cin7 customer "
                        f"{owner}.",
                        state.cin7_id,
                        state.email,
                    )
                )
            elif existing:
                self.ctx.progress.advance()
                self._adopt(state, existing, take_over=existing.id in given_up)
            else:
                to_create.append(state)
        return to_create

    def create_each(self, to_create: list[DesiredCustomer]) -> None:
        """Create these customers one `customerCreate` each, then their addresses; save the links."""
        if to_create and not self.ctx.dry_run:
            self.book.mark_creates_started(to_create)
        for state in to_create:
            self.ctx.progress.advance()
            self._create(state)
        if self._new_addresses:
            jobs, self._new_addresses = self._new_addresses, []
            self.writes.write_addresses(jobs)
        self.book.save()

    def _owners(self, shopify_ids: list[str]) -> tuple[dict[str, str], set[str]]:
        """Shopify ID -> the in-scope Cin7 customer that owns it; and those an out-of-scope one gave up."""
        owners = self.ctx.store.owners(shopify_ids)
        owners.update(self.book.owned_in_this_batch())
        return owners, self.ctx.store.given_up(shopify_ids)

    def _release_from_former_owners(self, state: DesiredCustomer, shopify_id: str) -> dict:
        """Out-of-scope links to a customer `state` takes over let go of it, so the old Cin7 customer, if
        it ever comes back, cannot overwrite (or strip) the new one's data. Returns what the app last
        wrote for the former owner ({} if none)."""
        written, released = self.ctx.store.release(shopify_id, state.cin7_id, dry_run=self.ctx.dry_run)
        if released:
            for other in self.book.links.values():
                if other.shopify_id == shopify_id and other.cin7_id != state.cin7_id and not other.in_scope:
                    other.shopify_id, other.written = "", {}
        return dict(written)

    def _adopt(self, state: DesiredCustomer, existing: ShopifyCustomer, *, take_over: bool = False) -> None:
        link = self.book.link(state)
        link.shopify_id, link.written = existing.id, {}
        if take_over:
            # From a former Cin7 customer: start from what the app wrote for it, so its tags and metafields
            # that do not apply any more are removed.
            link.written = self._release_from_former_owners(state, existing.id)
        if link.create_started_at is not None:
            # Found after a crash: the app created this customer in an earlier, interrupted run.
            self.mark_created(link, invite=existing.state != "ENABLED")
        changes = diff_customer(state, link.written)
        if self.ctx.dry_run:
            self.ctx.count("updated")
            self.book.plan("adopt", state, changes)
            return
        if changes.empty:
            self.book.settle(link, state, [], "updated")
            return
        self.writes.update(link, state, changes)

    def _create(self, state: DesiredCustomer) -> None:
        if self.book.refused_again(self.book.links.get(state.cin7_id), state):
            return
        if self.ctx.dry_run:
            self.ctx.count("created")
            self.book.plan("create", state, diff_customer(state, {}))
            return
        link = self.book.link(state)
        result, dropped, issues = self.writes.write_with_drops(
            self.api.create_customer, state.create_input(), state
        )
        if result.errors and any(
            e.field[:1] == ("email",) and "taken" in e.message.lower() for e in result.errors
        ):
            existing = self.api.customers_by_email([state.email]).get(state.email)
            if existing is not None:  # created meanwhile (or the search index lagged): adopt it
                self._adopt(state, existing)
                return
        if result.errors or result.customer is None:
            self.book.refuse(link, state, issues)
            return
        link.shopify_id = result.customer.id
        link.written = snapshot_of(state)
        address = link.written["fields"].pop("address", None)
        for key in dropped:
            link.written["fields"].pop(key, None)
        self.mark_created(link, invite=True)
        self.book.settle(link, state, issues, "created")
        if address is not None:
            self._new_addresses.append((link, state, address, None))

    def mark_created(self, link: CustomerLinkRecord, *, invite: bool) -> None:
        link.created_by_app, link.create_started_at = True, None
        if invite and self.ctx.settings.send_invites and link.invite_status == InviteState.NONE:
            # Until the first import is done (a complete read, `full` ticked or not: a shop's first run
            # reads everything either way), creations are held, never mailed by surprise.
            first_import = not self.ctx.state.first_full_customer_sync_done
            link.invite_status = InviteState.HELD if first_import else InviteState.PENDING
