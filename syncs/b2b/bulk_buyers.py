"""The other buyers in bulk (issue 26, stage 5): from `BULK_COMPANY_THRESHOLD` of them in a run, the
buyers' missing customers are found through one export of the shop's customers (`ExistingCustomers`,
from its own threshold) instead of look-ups, those still missing created by one bulk `customerCreate`,
their company contacts assigned by one bulk `companyAssignCustomerAsContact` and their roles by one bulk
`companyLocationAssignRoles` (a line per location), each stage fed by the IDs of the one before.

What a stage did not do is left to the single-call path (`buyers.py`), which does it or reports it as ever:
a customer line refused (its email taken meanwhile: looked up and adopted first), a contact line answered
`TAKEN` (the contact is read), a roles line refused (the location's roles are read first).

Kill safety: the buyers to create are marked `creating` on their links before the stage, and the
locations `roles_pending` once the roles stage is recorded, before it may run; each operation is kept (a
`BulkOperationRecord`) until its results are read. The next run first waits for a kept customer stage (its
look-ups then find what it made), records the contacts and roles a kept stage assigned, and reads the
roles of a location still `roles_pending` before assigning there (`BuyerWriter._reconcile`).
"""

from collections.abc import Callable
from functools import cached_property

from connectors.shopify.bulk_mutations import BulkMutations

from ..customers.existing import ExistingCustomers
from ..store import CompanyLinkRecord
from . import bulk_stage as stage
from .bulk_companies import BulkCompanyCreator

BUYER_CREATE = "buyer_create"
BUYER_CONTACT = "buyer_contact"
BUYER_ROLES = "buyer_roles"


def buyer_input(email: str, name: str | None) -> dict:
    """The `CustomerInput` of a buyer the app creates: its email and name."""
    first, _, last = (name or "").strip().partition(" ")
    data = {"email": email, "firstName": first or None, "lastName": last or None}
    return {key: value for key, value in data.items() if value}


class BulkBuyers:
    """One run's buyer stages, and the buyer operations a killed run left."""

    def __init__(self, ctx, client, links: dict[str, CompanyLinkRecord]):
        self.ctx, self.client, self.links = ctx, client, links

    @property
    def threshold(self) -> int:
        return BulkCompanyCreator.threshold

    @cached_property
    def bulk(self) -> BulkMutations:
        return BulkMutations(self.client)

    def resume(self, contacts: dict, settle: Callable[[CompanyLinkRecord], None]) -> None:
        """Finish a killed run's stages: its customers made (found by the look-ups that follow), its
        contacts into `contacts`, its roles recorded on their links (then `settle`d)."""
        for record, operation in stage.pending(self.ctx, self.bulk, (BUYER_CREATE,)):
            for _ in stage.outcomes(self.bulk, record, operation):
                pass
            self.ctx.store.delete_bulk_operation(record)
        for record, operation in stage.pending(self.ctx, self.bulk, (BUYER_CONTACT,)):
            self._read_contacts(record, operation, contacts)
        for record, operation in stage.pending(self.ctx, self.bulk, (BUYER_ROLES,)):
            self._read_roles(record, operation, settle)

    def look_up(self, emails: list[str]) -> dict[str, str]:
        """Email -> ID of the Shopify customers with these (normalised) emails: from one export of the
        shop's customers from its threshold on, else looked up; the export's map is dropped after."""
        existing = ExistingCustomers(self.ctx)
        existing.read_export(emails)
        try:
            return {email: customer.id for email, customer in existing.by_email(emails).items()}
        finally:
            existing.forget()

    def create(self, names: dict[str, str | None]) -> dict[str, str] | None:
        """From the threshold on, create the customers of these buyers (email -> name) in one stage;
        returns email -> ID of those made (None below the threshold: nothing was done)."""
        if len(names) < self.threshold:
            return None
        emails = sorted(names)
        lines = ({"input": buyer_input(email, names[email])} for email in emails)
        record, operation = stage.start(self.ctx, self.bulk, BUYER_CREATE, "customer_create", emails, lines)
        made = {}
        for email, outcome in stage.outcomes(self.bulk, record, operation):
            customer = (outcome.payload or {}).get("customer") if outcome.ok else None
            if customer:
                made[email] = customer["id"]
        self.ctx.store.delete_bulk_operation(record)
        return made

    def contacts(self, pairs: list[tuple[str, str]], contacts: dict, taken: set) -> None:
        """From the threshold on, each (company, customer) pair's company contact assigned in one stage,
        into `contacts`; a line that did not assign one is left to the single call, which reads the
        contact of a pair answered `TAKEN` (into `taken`: a contact already)."""
        if len(pairs) < self.threshold:
            return
        keys = [list(pair) for pair in pairs]
        lines = ({"companyId": company, "customerId": customer} for company, customer in pairs)
        record, operation = stage.start(self.ctx, self.bulk, BUYER_CONTACT, "b2b_contact_assign", keys, lines)
        self._read_contacts(record, operation, contacts, taken)

    def roles(self, jobs: list[tuple[CompanyLinkRecord, dict]], settle) -> set[str]:
        """From the threshold on, the roles of each (location's link, email -> (entry, role ID)) assigned
        in one stage, a line per location; returns the Cin7 IDs of the locations done (recorded and
        `settle`d), the others are left to the single call."""
        if len(jobs) < self.threshold:
            return set()

        def mark_pending():  # the operation may run from here on: a rerun that cannot find it reads
            for link, _wanted in jobs:
                link.written["roles_pending"] = True
                self.ctx.store.save_company_link(link)

        keys = [[link.cin7_id, {email: entry for email, (entry, _) in roles.items()}] for link, roles in jobs]
        lines = (
            {
                "companyLocationId": link.location_id,
                "rolesToAssign": [
                    {"companyContactId": entry["contact"], "companyContactRoleId": role_id}
                    for entry, role_id in wanted.values()
                ],
            }
            for link, wanted in jobs
        )
        record, operation = stage.start(
            self.ctx, self.bulk, BUYER_ROLES, "b2b_location_roles_assign", keys, lines, mark_pending
        )
        return self._read_roles(record, operation, settle)

    def _read_contacts(self, record, operation, contacts: dict, taken: set | None = None) -> None:
        for (company_id, customer_id), outcome in stage.outcomes(self.bulk, record, operation):
            contact = (outcome.payload or {}).get("companyContact") if outcome.ok else None
            if contact:
                contacts[(company_id, customer_id)] = contact["id"]
            elif taken is not None and any(e.code == "TAKEN" for e in outcome.user_errors):
                taken.add((company_id, customer_id))
        self.ctx.store.delete_bulk_operation(record)

    def _read_roles(self, record, operation, settle) -> set[str]:
        """Record the buyers of each location whose line assigned every role it sent."""
        done = set()
        for (cin7_id, entries), outcome in stage.outcomes(self.bulk, record, operation):
            payload = (outcome.payload or {}) if outcome.ok else {}
            assigned = {a["companyContact"]["id"]: a["id"] for a in payload.get("roleAssignments") or ()}
            link = self.links.get(cin7_id)
            if link is None or any(entry["contact"] not in assigned for entry in entries.values()):
                continue
            buyers = link.written.setdefault("buyers", {})
            for email, entry in entries.items():
                buyers[email] = {**entry, "assignment": assigned[entry["contact"]]}
            settle(link)
            done.add(cin7_id)
        self.ctx.store.delete_bulk_operation(record)
        return done
