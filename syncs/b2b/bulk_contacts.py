"""Main contacts in bulk (issue 26, stages 3 and 4): from `BULK_COMPANY_THRESHOLD` companies whose synced
customer is not yet their main contact, `companyAssignCustomerAsContact` runs as one bulk mutation, then
`companyAssignMainContact` and the *Location admin* role at the company's own location as two more,
side by side (a bulk document holds one mutation root field), fed by the contact IDs the first returned.

A line that did not do its work is left to the single-call path (`CompanyWriter._assign_contact`), which
tries it again and reports a refusal as ever. A run killed during a stage: the next reads the contacts the
assignment made (so none is assigned twice), and waits for the main contact and role operations, whose
lines the single path then repeats harmlessly (a role already assigned is no error).
"""

from connectors.shopify.b2b import location_admin_role

from ..store import CompanyLinkRecord
from . import bulk_stage as stage
from .branches import is_branch
from .mapping import DesiredCompany

CONTACT_ASSIGN = "contact_assign"
MAIN_CONTACT = "main_contact"
LOCATION_ROLES = "location_roles"


class BulkMainContacts:
    def __init__(self, ctx, creator, links: dict[str, CompanyLinkRecord]):
        self.ctx, self.creator, self.links = ctx, creator, links  # `creator`: its bulk client and threshold

    def resume(self) -> None:
        """Finish a killed run's stages: contacts recorded, main contact and role operations waited for."""
        bulk = self.creator.bulk
        for record, operation in stage.pending(self.ctx, bulk, (CONTACT_ASSIGN,)):
            self._read_contacts(record, operation)
        for record, operation in stage.pending(self.ctx, bulk, (MAIN_CONTACT, LOCATION_ROLES)):
            for _ in stage.outcomes(bulk, record, operation):
                pass
            self.ctx.store.delete_bulk_operation(record)

    def assign(self, companies: dict[str, DesiredCompany]) -> None:
        """Each ready company's synced customer as contact, main contact and location admin, in bulk."""
        todo = list(self._waiting(companies))
        if len(todo) < self.creator.threshold:
            return
        unassigned = [(link, gid) for link, gid in todo if link.written.get("contact_of") != gid]
        if unassigned:
            keys = [[link.cin7_id, gid] for link, gid in unassigned]
            lines = ({"companyId": link.company_id, "customerId": gid} for link, gid in unassigned)
            self._read_contacts(*self._start(CONTACT_ASSIGN, "b2b_contact_assign", keys, lines))
        ready = [
            (link, gid) for link, gid in todo if link.contact_id and link.written.get("contact_of") == gid
        ]
        if not ready:
            return
        keys = [link.cin7_id for link, _ in ready]
        main = self._start(
            MAIN_CONTACT,
            "bulk_main_contact",
            keys,
            ({"companyId": link.company_id, "companyContactId": link.contact_id} for link, _ in ready),
        )
        roles = self._start(
            LOCATION_ROLES, "bulk_location_roles", keys, (_role_line(link) for link, _ in ready)
        )
        done = self._done(*main) & self._done(*roles)
        for link, gid in ready:
            if link.cin7_id in done:
                link.written["customer"] = gid
                self.ctx.store.save_company_link(link)

    def _waiting(self, companies: dict[str, DesiredCompany]):
        """(link, customer gid) of the head offices' companies made and found whose customer is not main
        contact yet (a company moving out is left to the single path)."""
        for cin7_id, desired in companies.items():
            link, gid = self.links.get(cin7_id), desired.customer_gid
            if is_branch(cin7_id, desired) or link is None or not gid or cin7_id in self.creator.refused:
                continue
            if not (link.company_id and link.location_id) or link.written.get("head", cin7_id) != cin7_id:
                continue
            if location_admin_role(link.written.get("roles")) and link.written.get("customer") != gid:
                yield link, gid

    def _start(self, kind: str, document_name: str, keys: list, lines):
        return stage.start(self.ctx, self.creator.bulk, kind, document_name, keys, lines)

    def _read_contacts(self, record, operation) -> None:
        for (cin7_id, gid), outcome in stage.outcomes(self.creator.bulk, record, operation):
            contact = (outcome.payload or {}).get("companyContact") if outcome.ok else None
            link = self.links.get(cin7_id)
            if contact and link is not None:
                link.contact_id = contact["id"]
                link.written["contact_of"] = gid
                self.ctx.store.save_company_link(link)
        self.ctx.store.delete_bulk_operation(record)

    def _done(self, record, operation) -> set[str]:
        done = {
            key
            for key, outcome in stage.outcomes(self.creator.bulk, record, operation)
            if stage.ok_or_done(outcome)
        }
        self.ctx.store.delete_bulk_operation(record)
        return done


def _role_line(link: CompanyLinkRecord) -> dict:
    role = location_admin_role(link.written.get("roles"))
    return {
        "companyLocationId": link.location_id,
        "rolesToAssign": [{"companyContactId": link.contact_id, "companyContactRoleId": role}],
    }
