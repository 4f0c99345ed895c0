"""The customer links of one run: which changed (saved after each confirmed batch) and each outcome.

Crash safety: before a batch's `customerCreate`s are sent, each link records `create_started_at`; after
Shopify confirms, the batch's links are saved. A run killed in between leaves links without a Shopify ID
but with the marker: the rerun looks the email up, finds the customer and adopts it as one the app
created (so its invite is still sent once). Nothing is ever created twice.
"""

import logging
from datetime import UTC, datetime

from ..issues import Code, Issue, customer_issue
from ..store import CustomerLinkRecord
from .diff import CustomerChanges, DesiredCustomer

logger = logging.getLogger(__name__)


class LinkBook:
    """The links a run holds (by Cin7 ID), the ones to save, and the customers to link again."""

    def __init__(self, ctx, links: dict[str, CustomerLinkRecord]):
        self.ctx = ctx
        self.links = links
        self._dirty: dict[str, CustomerLinkRecord] = {}
        self._relink: list[DesiredCustomer] = []

    def link(self, state: DesiredCustomer) -> CustomerLinkRecord:
        """The link of `state` (new if none), in scope, with its current email; to be saved."""
        link = self.links.get(state.cin7_id)
        if link is None:
            link = CustomerLinkRecord(cin7_id=state.cin7_id)
            self.links[state.cin7_id] = link
        link.email, link.in_scope = state.email, True
        self._dirty[state.cin7_id] = link
        return link

    def changed(self, link: CustomerLinkRecord) -> None:
        self._dirty[link.cin7_id] = link

    def owned_in_this_batch(self) -> dict[str, str]:
        """Shopify ID -> Cin7 ID of the in-scope links changed and not saved yet."""
        return {
            link.shopify_id: cin7_id
            for cin7_id, link in self._dirty.items()
            if link.shopify_id and link.in_scope
        }

    def mark_creates_started(self, states: list[DesiredCustomer]) -> None:
        now = datetime.now(UTC)
        new = []
        for state in states:
            link = self.link(state)
            link.create_started_at = now
            if link.id is None:
                new.append(link)
        self.ctx.store.insert_customer_links(new)
        self.save()

    def save(self) -> None:
        if self.ctx.dry_run or not self._dirty:
            self._dirty.clear()
            return
        links = list(self._dirty.values())
        self._dirty.clear()
        self.ctx.store.save_customer_links(links)

    def queue_relink(self, link: CustomerLinkRecord, state: DesiredCustomer) -> None:
        """The merchant deleted the Shopify customer: link again by email (adopt or create) this run."""
        logger.info("Shopify customer %s of Cin7 %s is gone; relinking", link.shopify_id, link.cin7_id)
        link.shopify_id, link.written = "", {}
        self._dirty[link.cin7_id] = link
        self._relink.append(state)

    def take_relinks(self) -> list[DesiredCustomer]:
        states, self._relink = self._relink, []
        return states

    def settle(
        self, link: CustomerLinkRecord, state: DesiredCustomer, issues: list[Issue], outcome: str
    ) -> None:
        """Record the outcome of one customer's writes: refused parts are remembered, the rest saved."""
        self.ctx.count(outcome)
        link.synced_at = datetime.now(UTC)
        link.email = state.email
        self._dirty[link.cin7_id] = link
        if issues:
            self.refuse(link, state, issues, partial=True)
        else:
            link.refused = None

    def refuse(
        self, link: CustomerLinkRecord | None, state: DesiredCustomer, issues: list[Issue], *, partial=False
    ) -> None:
        for issue in issues:
            self.ctx.report(issue)
        if not partial:
            self.ctx.count("failed")
        if link is not None:
            link.refused = {"hash": state.state_hash, "issues": [[i.code, i.message] for i in issues]}
            self._dirty[link.cin7_id] = link

    def refused_again(self, link: CustomerLinkRecord | None, state: DesiredCustomer) -> bool:
        """A state Shopify already refused is not sent again (a rerun without change writes nothing); its
        issues are reported again. A change in Cin7, or a full run the merchant asks for, retries it."""
        if (
            self.ctx.retry_refused
            or link is None
            or not link.refused
            or link.refused.get("hash") != state.state_hash
        ):
            return False
        for code, message in link.refused["issues"]:
            self.ctx.report(customer_issue(Code(code), message, state.cin7_id, state.email))
        self.ctx.count("skipped")
        return True

    def clear_refused(self, link: CustomerLinkRecord) -> None:
        if link.refused:
            link.refused = None
            self._dirty[link.cin7_id] = link

    def plan(self, action: str, state: DesiredCustomer, changes: CustomerChanges) -> None:
        self.ctx.planned(
            {"action": action, "cin7_id": state.cin7_id, "email": state.email, "changes": changes.preview()}
        )
