"""Branch locations (CONTRACT §3 "Companies as Cin7 shapes them"): a branch's location lives in its head
office's company (`externalId` = the branch's Cin7 ID).

Shopify has no move of a location between companies and location externalIds are unique, so a location
whose company changes (another head office, or its own company) is deleted and made again in the new one;
its catalogs and markets follow from its link, whose `written` starts afresh. The link row is stored
before a create and the location looked up by externalId before any create, so a killed run makes no
duplicate.
"""

from connectors.shopify.b2b_trees import TreeAdmin

from ..store import CompanyLinkRecord
from .diff import company_create_input, written_after_create
from .mapping import DesiredCompany
from .writes import Refused, write_one


def is_branch(cin7_id: str, desired: DesiredCompany) -> bool:
    return desired.state.get("head", cin7_id) != cin7_id


class BranchWriter:
    def __init__(self, ctx, trees: TreeAdmin, companies):
        self.ctx = ctx
        self.trees = trees
        self.companies = companies  # the `CompanyWriter`: its B2B calls and field updates

    def move_out(self, link: CompanyLinkRecord) -> None:
        """The location leaves its company: deleted (its roles and catalog places go with it); the link
        starts afresh. A location already gone (a killed run deleted it) is no error."""
        if link.location_id:
            write_one(self.ctx, self.trees.delete_location, link.location_id)
        link.company_id = link.location_id = link.contact_id = ""
        link.written = {}
        self.ctx.store.save_company_link(link)

    def write(self, link: CompanyLinkRecord, desired: DesiredCompany, head: CompanyLinkRecord | None) -> None:
        """The branch's location in its head office's company, then its fields. Waits (no write) while the
        head office has no company and location yet: that failure is reported on the head office."""
        if head is None or not head.company_id or not head.location_id:
            return
        if not link.location_id and link.id is not None:
            self.find(link, head)
        if not link.location_id:
            link.company_id = head.company_id
            self.ctx.store.save_company_link(link)  # recorded before the create: a rerun looks it up first
            self._create(link, desired, head)
        self.companies.update(link, desired)
        self.ctx.store.save_company_link(link)

    def find(self, link: CompanyLinkRecord, head: CompanyLinkRecord) -> None:
        """Adopt the location a killed run made in the head office's company; one with this externalId
        elsewhere (a move a killed run had not finished) is deleted."""
        found = self.trees.location_by_external_id(link.cin7_id)
        if found is None:
            return
        if (found.get("company") or {}).get("id") == head.company_id:
            link.company_id, link.location_id = head.company_id, found["id"]
            link.written = {"head": head.cin7_id, "roles": head.written.get("roles"), "catalogs": []}
            self.ctx.store.save_company_link(link)
        else:
            write_one(self.ctx, self.trees.delete_location, found["id"])

    def _create(self, link: CompanyLinkRecord, desired: DesiredCompany, head: CompanyLinkRecord) -> None:
        self.ctx.before_write()
        data = company_create_input(link.cin7_id, desired.state)["companyLocation"]
        location, errors = self.companies.api.create_location(head.company_id, data)
        if any(e.code == "TAKEN" for e in errors):  # its externalId is taken: a killed run made it
            self.find(link, head)
            if link.location_id:
                return
        if errors or not location:
            raise Refused(errors[0] if errors else "no location returned")
        link.location_id = location["id"]
        link.written = written_after_create(desired.state, head.written.get("roles"))
        self.ctx.store.save_company_link(link)
        self.ctx.count("created")
