"""Companies: one per synced B2B head office (or customer without one), with its own location and the
customer as main contact; branches' locations go into it (`branches.py`), buyers follow (`buyers.py`).

Found in Shopify (by `externalId`) before any create, so a run killed between a create and its record
makes no duplicate; the link row is stored before the create, so the rerun looks it up first.
"""

from connectors.shopify.b2b import B2BAdmin, location_admin_role
from connectors.shopify.b2b_trees import TreeAdmin
from connectors.shopify.b2b_volume import VolumeAdmin

from ..issues import Code, Issue
from ..store import CompanyLinkRecord
from .branches import BranchWriter, is_branch
from .bulk_branches import BulkBranchCreator
from .bulk_companies import BulkCompanyCreator
from .bulk_contacts import BulkMainContacts
from .diff import company_create_input, company_preview, company_update, written_after_create
from .mapping import DesiredCompany
from .writes import Refused, planned, write_one


class CompanyWriter:
    def __init__(self, ctx, api: B2BAdmin, links: dict[str, CompanyLinkRecord]):
        self.ctx = ctx
        self.api = api
        self.volume = VolumeAdmin(api.client)
        self.links = links  # by Cin7 ID; gains the companies made now
        self.found: dict | None = None
        self.branches = BranchWriter(ctx, TreeAdmin(api.client), self)
        self.bulk = BulkCompanyCreator(ctx, api.client, links)
        self.contacts = BulkMainContacts(ctx, self.bulk, links)
        self.bulk_branches = BulkBranchCreator(ctx, self.bulk, self.branches, links)

    def write(self, companies: dict[str, DesiredCompany]) -> None:
        """Head offices (and customers without one) first: a branch's location goes into their company.
        Many new ones are created in bulk first (`bulk_companies.py`, `bulk_branches.py`), and many main
        contacts assigned in bulk (`bulk_contacts.py`); then each goes on as any."""
        ctx = self.ctx
        if not ctx.dry_run:
            self.bulk.resume(companies)
            self.bulk_branches.resume(companies)
            self.contacts.resume()
            self.bulk.create(self._new_companies(companies))
            self.bulk_branches.create(companies)
            self.contacts.assign(companies)
        for cin7_id, desired in sorted(companies.items(), key=lambda item: is_branch(*item)):
            if cin7_id in self.bulk.refused:
                continue
            link = self.links.get(cin7_id) or CompanyLinkRecord(cin7_id=cin7_id)
            self.links[cin7_id] = link
            if ctx.dry_run:
                self._plan(link, desired)
                continue
            head = desired.state.get("head", cin7_id)
            try:
                if link.company_id and link.written.get("head", cin7_id) != head:
                    self.branches.move_out(link)  # its location belongs to another company now
                if head != cin7_id:
                    self.branches.write(link, desired, self.links.get(head))
                    continue
                self._write_company(link, desired)
            except Refused as refused:
                ctx.report(
                    Issue(
                        Code.SHOPIFY_USER_ERROR,
                        f"Shopify refused the company of “{desired.state['name']}”: {refused}",
                        cin7_id=cin7_id,
                        subject=f"b2b:{cin7_id}",
                    )
                )

    def _new_companies(self, companies: dict[str, DesiredCompany]) -> list:
        """(link, desired) of the head offices without a company, none found by externalId; from the
        threshold on, those a killed run left without a record are looked up first."""
        new = []
        for cin7_id, desired in companies.items():
            link = self.links.get(cin7_id)
            if is_branch(cin7_id, desired) or (link is not None and link.company_id):
                continue
            new.append((link or CompanyLinkRecord(cin7_id=cin7_id), desired))
        if len(new) < self.bulk.threshold:
            return new
        for link, desired in new:
            self.links[link.cin7_id] = link
            if link.id is not None:
                self._find(link, desired)
        return [(link, desired) for link, desired in new if not link.company_id]

    def _write_company(self, link: CompanyLinkRecord, desired: DesiredCompany) -> None:
        """A head office's (or lone customer's) company, its own location and its main contact."""
        # A row without a company: a run may have created it and been killed before recording it.
        if not link.company_id and link.id is not None:
            self._find(link, desired)
        if not link.company_id:
            self.ctx.store.save_company_link(link)  # recorded before the create: a rerun looks it up first
            self._create_company(link, desired)
        if link.company_id and not link.location_id:
            self._create_location(link, desired)
        if link.company_id and link.location_id:
            self.update(link, desired)
            self._assign_contact(link, desired)

    def _find(self, link: CompanyLinkRecord, desired: DesiredCompany) -> None:
        """Adopt the company with this customer's externalId, if Shopify has one (companies read once)."""
        if self.found is None:
            self.found = {node["externalId"]: node for node in self.api.companies() if node.get("externalId")}
        if link.cin7_id in self.found:
            self._adopt(link, self.found[link.cin7_id], desired.customer_gid)

    def _adopt(self, link: CompanyLinkRecord, node: dict, customer_gid: str) -> None:
        """Take over the company a killed run created: its location and the contact made of the customer."""
        link.company_id = node["id"]
        locations = (node.get("locations") or {}).get("nodes") or []
        location = next((loc for loc in locations if loc.get("externalId") == link.cin7_id), None)
        # else a location made by hand (no externalId), never another customer's (a branch's)
        location = location or next((loc for loc in locations if not loc.get("externalId")), None)
        link.location_id = location["id"] if location else ""
        link.written = {"roles": node.get("contactRoles")}
        contacts = (node.get("contacts") or {}).get("nodes") or []
        contact = next((c for c in contacts if (c.get("customer") or {}).get("id") == customer_gid), None)
        if contact:
            link.contact_id = contact["id"]
            link.written["contact_of"] = customer_gid
            if (node.get("mainContact") or {}).get("id") == contact["id"]:
                link.written["customer"] = customer_gid
        self.ctx.store.save_company_link(link)

    def _create_location(self, link: CompanyLinkRecord, desired: DesiredCompany) -> None:
        """An adopted company without a location (made by hand) gets the customer's."""
        self.ctx.before_write()
        location, errors = self.api.create_location(
            link.company_id, {"name": desired.state["location"]["name"], "externalId": link.cin7_id}
        )
        if errors or not location:
            raise Refused(errors[0] if errors else "no location returned")
        link.location_id = location["id"]
        self.ctx.store.save_company_link(link)

    def _create_company(self, link: CompanyLinkRecord, desired: DesiredCompany) -> None:
        self.ctx.before_write()
        company, errors = self.api.create_company(company_create_input(link.cin7_id, desired.state))
        if any(e.code == "TAKEN" for e in errors):  # its externalId is taken: the company exists
            self._find(link, desired)
            if link.company_id:
                return
        if errors or not company:
            raise Refused(errors[0] if errors else "no company returned")
        locations = (company.get("locations") or {}).get("nodes") or []
        link.company_id = company["id"]
        link.location_id = locations[0]["id"] if locations else ""
        link.written = written_after_create(desired.state, company.get("contactRoles"))
        self.ctx.store.save_company_link(link)
        self.ctx.count("created")

    def update(self, link: CompanyLinkRecord, desired: DesiredCompany) -> None:
        """Company (a head office's own link only) and location fields that differ from what was written."""
        update = company_update(desired.state, link.written, link.cin7_id)
        for write in update.writes:
            if write.call is not None:
                target = link.company_id if write.on == "company" else link.location_id
                call = getattr(self.api, write.call, None) or getattr(self.volume, write.call)
                write_one(self.ctx, call, target, *write.args)
            link.written.update(write.written)
        link.written["head"] = desired.state.get("head", link.cin7_id)
        self.ctx.store.save_company_link(link)
        if update.changed:
            self.ctx.count("updated")

    def _assign_contact(self, link: CompanyLinkRecord, desired: DesiredCompany) -> None:
        """The synced customer as contact (never a new customer), main contact and location admin."""
        gid = desired.customer_gid
        if link.written.get("customer") == gid and link.contact_id:
            return
        role = location_admin_role(link.written.get("roles"))
        if not role:
            raise Refused("the company has no “Location admin” role")
        if link.written.get("contact_of") != gid:
            self.ctx.before_write()
            contact_id, errors = self.api.assign_contact(link.company_id, gid)
            if errors or not contact_id:
                raise Refused(errors[0] if errors else "no contact returned")
            link.contact_id = contact_id
            link.written["contact_of"] = gid
            self.ctx.store.save_company_link(link)
        write_one(
            self.ctx, self.api.make_main_contact, link.company_id, link.contact_id, link.location_id, role
        )
        link.written["customer"] = gid
        self.ctx.store.save_company_link(link)

    def _plan(self, link: CompanyLinkRecord, desired: DesiredCompany) -> None:
        changes = company_preview(desired.state, link.written)
        if changes:
            planned(
                self.ctx,
                {
                    "action": "update" if link.location_id else "create",
                    "company": desired.state["name"],
                    "location": desired.state["location"]["name"],
                    "cin7_id": link.cin7_id,
                    "changes": changes,
                },
            )
