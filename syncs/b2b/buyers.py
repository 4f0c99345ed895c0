"""Buyers (CONTRACT §3 "Companies as Cin7 shapes them"): every contact with an email is a company contact
with a role at its customer's location; a contact removed in Cin7 loses that role (its customer stays).

What each location's buyers hold is kept in its link's `written["buyers"]` (email -> `customer`,
`contact`, `assignment`, `role`), so a rerun without change writes nothing. A buyer's Shopify customer is
the synced customer of its Cin7 customer, else one found by exact email, else one created with its email
and name (never two: the lookup comes first, so a run killed after a create finds it). Roles are assigned
after `roles_pending` is stored; a rerun that finds it reads the location's roles before assigning again.
From `BULK_COMPANY_THRESHOLD` of them, the look-ups, creates, contacts and roles go in bulk stages
(`bulk_buyers.py`); what a stage did not do comes back here.
"""

from collections import defaultdict
from contextlib import contextmanager

from connectors.shopify.b2b import B2BAdmin
from connectors.shopify.b2b_trees import TreeAdmin
from connectors.shopify.b2b_volume import VolumeAdmin

from ..issues import Code, Issue
from .bulk_buyers import BulkBuyers, buyer_input
from .mapping import DesiredCompany
from .shapes import role_changes
from .welcomes import first_invite_state
from .writes import Refused, planned


class BuyerWriter:
    def __init__(self, ctx, api: B2BAdmin, links: dict):
        self.ctx = ctx
        self.api = api
        self.trees = TreeAdmin(api.client)
        self.volume = VolumeAdmin(api.client)
        self.links = links
        self.contacts: dict[tuple[str, str], str] = {}  # (company, customer) -> company contact
        self.taken: set[tuple[str, str]] = set()  # (company, customer) a bulk line found a contact already
        self.created: set[str] = set()  # emails of the buyer customers the app made (welcomed once)
        self.bulk = BulkBuyers(ctx, api.client, links)

    def write(self, companies: dict[str, DesiredCompany]) -> None:
        if not self.ctx.dry_run:
            self.bulk.resume(self.contacts, lambda link: self._settle(link, companies.get(link.cin7_id)))
        wanted, current = {}, {}
        for cin7_id, desired in companies.items():
            link = self.links.get(cin7_id)
            if link is None or not (link.location_id or self.ctx.dry_run):
                continue
            wanted.update({(cin7_id, email): b["role"] for email, b in desired.buyers.items()})
            written = link.written.get("buyers") or {}
            current.update({(cin7_id, email): entry["role"] for email, entry in written.items()})
        assign, revoke = role_changes(wanted, current)
        if self.ctx.dry_run:
            self._plan(companies, assign, revoke)
            return
        self._revoke(revoke)
        if assign:
            self._assign_all(companies, assign)

    def _assign_all(self, companies: dict[str, DesiredCompany], assign: dict) -> None:
        """Each location's new roles: customers and contacts first, then one roles call per location (in
        bulk stages from the threshold on); a location Shopify refuses is reported."""
        self._known_contacts()
        customers = self._customers(companies, assign)
        by_location = defaultdict(dict)
        for (cin7_id, email), role in assign.items():
            by_location[cin7_id][email] = role
        self.bulk.contacts(self._missing_contacts(by_location, customers), self.contacts, self.taken)
        wanted = {}
        for cin7_id, roles in sorted(by_location.items()):
            with self._reporting(cin7_id, companies):
                wanted[cin7_id] = self._wanted(self.links[cin7_id], roles, customers)
        jobs = [
            (self.links[cin7_id], roles)
            for cin7_id, roles in wanted.items()
            if roles and not self.links[cin7_id].written.get("roles_pending")
        ]
        done = self.bulk.roles(jobs, lambda link: self._settle(link, companies[link.cin7_id]))
        for cin7_id, roles in sorted(wanted.items()):
            if cin7_id not in done:
                with self._reporting(cin7_id, companies):
                    self._assign(self.links[cin7_id], companies[cin7_id], roles)

    @contextmanager
    def _reporting(self, cin7_id: str, companies: dict[str, DesiredCompany]):
        """A refusal of a location's buyers is reported for it; the others go on."""
        try:
            yield
        except Refused as refused:
            self.ctx.report(
                Issue(
                    Code.SHOPIFY_USER_ERROR,
                    f"Shopify refused the buyers of “{companies[cin7_id].state['location']['name']}”: "
                    f"{refused}",
                    cin7_id=cin7_id,
                    subject=f"b2b:{cin7_id}",
                )
            )

    def _revoke(self, revoke: list[tuple[str, str]]) -> None:
        """Revoke removed or changed roles, one call per contact; an assignment already gone is done."""
        by_contact = defaultdict(list)
        for cin7_id, email in revoke:
            entry = self.links[cin7_id].written["buyers"][email]
            by_contact[entry.get("contact") or ""].append((cin7_id, email, entry.get("assignment")))
        for contact, rows in sorted(by_contact.items()):
            assignments = [assignment for _, _, assignment in rows if assignment]
            if contact and assignments:
                self.ctx.before_write()
                errors = self.volume.revoke_roles(contact, assignments)
                if any(e.code != "RESOURCE_NOT_FOUND" for e in errors):
                    self._refused(rows[0][0], errors[0])
                    continue
            for cin7_id, email, _ in rows:
                link = self.links[cin7_id]
                link.written["buyers"].pop(email, None)
                self.ctx.store.save_company_link(link)

    def _known_contacts(self) -> None:
        for link in self.links.values():
            if link.contact_id and link.written.get("contact_of"):
                self.contacts[(link.company_id, link.written["contact_of"])] = link.contact_id
            for entry in (link.written.get("buyers") or {}).values():
                if entry.get("contact"):
                    self.contacts[(link.company_id, entry["customer"])] = entry["contact"]

    def _customers(self, companies: dict[str, DesiredCompany], assign: dict) -> dict[str, str]:
        """Email -> Shopify customer of every buyer to assign: the synced ones, those buyers already
        are, those Shopify has (exact email), and those created now."""
        known = {d.email: d.customer_gid for d in companies.values() if d.email and d.customer_gid}
        for link in self.links.values():
            for email, entry in (link.written.get("buyers") or {}).items():
                known.setdefault(email, entry["customer"])
        names = {email: b.get("name") for d in companies.values() for email, b in d.buyers.items()}
        wanting = {email: cin7_id for cin7_id, email in sorted(assign, reverse=True)}
        missing = sorted(wanting.keys() - known.keys())
        if missing:
            known.update(self.bulk.look_up(missing))
        creating = {e for link in self.links.values() for e in link.written.get("creating") or ()}
        self.created = {email for email in missing if email in creating and email in known}
        new = [email for email in missing if email not in known]
        self._mark_creating(new, wanting)  # a killed run's rerun finds them made by the app
        made = self.bulk.create({email: names.get(email) for email in new})
        if made is not None:
            known.update(made)
            self.created.update(made)
            left = [email for email in new if email not in made]
            if left:  # refused (taken meanwhile?) or never answered: adopted if Shopify has it now
                known.update({email: c.id for email, c in self.ctx.shopify.customers_by_email(left).items()})
        for email in new:
            if email not in known:
                self._create_customer(email, names.get(email), known)
        return known

    def _mark_creating(self, emails: list[str], wanting: dict[str, str]) -> None:
        """Note on each buyer's link, before any create, the emails the app is about to create."""
        by_link = defaultdict(set)
        for email in emails:
            by_link[wanting[email]].add(email)
        for cin7_id, marked in sorted(by_link.items()):
            link = self.links[cin7_id]
            link.written["creating"] = sorted({*link.written.get("creating", ()), *marked})
            self.ctx.store.save_company_link(link)

    def _create_customer(self, email: str, name: str | None, known: dict) -> None:
        self.ctx.before_write()
        result = self.ctx.shopify.create_customer(buyer_input(email, name))
        if result.errors or not result.customer:
            why = result.errors[0] if result.errors else "no customer returned"
            self.ctx.report(
                Issue(
                    Code.SHOPIFY_USER_ERROR,
                    f"Shopify refused the buyer {email}: {why}",
                    email=email,
                    subject=f"buyer:{email}",
                )
            )
            return
        known[email] = result.customer.id
        self.created.add(email)

    def _missing_contacts(self, by_location: dict, customers: dict) -> list[tuple[str, str]]:
        """(company, customer) of the buyers to assign who are no contact of that company yet."""
        pairs = set()
        for cin7_id, roles in by_location.items():
            company_id = self.links[cin7_id].company_id
            for email in roles:
                customer = customers.get(email)
                if customer and (company_id, customer) not in self.contacts:
                    pairs.add((company_id, customer))
        return sorted(pairs)

    def _wanted(self, link, roles: dict[str, str], customers: dict) -> dict[str, tuple[dict, str]]:
        """Email -> (buyer entry, role ID) of the roles to assign at the location, each buyer made a
        contact of the company first if it is none yet."""
        head = self.links.get(link.written.get("head") or link.cin7_id) or link
        role_ids = {
            (node.get("name") or "").strip().casefold(): node["id"]
            for node in ((head.written.get("roles") or link.written.get("roles") or {}).get("nodes") or ())
        }
        wanted = {}
        for email, role in sorted(roles.items()):
            customer, role_id = customers.get(email), role_ids.get(role.casefold())
            if customer and role_id:
                contact = self._contact(link.company_id, customer)
                entry = {"customer": customer, "contact": contact, "role": role}
                if email in self.created:
                    entry["invite"] = first_invite_state(self.ctx)
                wanted[email] = (entry, role_id)
        return wanted

    def _assign(self, link, desired: DesiredCompany, wanted: dict) -> None:
        """The buyers' roles at the location (one call). Where a killed run may have assigned some
        (`roles_pending`, or Shopify says a contact has a role there already), the location's roles are
        read and those already right kept, the others replaced."""
        buyers = link.written.setdefault("buyers", {})
        read = bool(link.written.get("roles_pending"))
        for attempt in range(2):
            if read:
                wanted = self._reconcile(link, wanted, buyers)
            if not wanted:
                break
            link.written["roles_pending"] = True
            self.ctx.store.save_company_link(link)
            self.ctx.before_write()
            pairs = [(entry["contact"], role_id) for entry, role_id in wanted.values()]
            assigned, errors = self.trees.assign_roles(link.location_id, pairs)
            if errors and (read or attempt):
                raise Refused(errors[0])
            read = bool(errors)
            for email, (entry, _) in wanted.items():
                if entry["contact"] in assigned:
                    buyers[email] = {**entry, "assignment": assigned[entry["contact"]]}
            if not errors:
                break
        self._settle(link, desired)

    def _settle(self, link, desired: DesiredCompany | None) -> None:
        """After a location's roles were assigned: no longer pending, the emails made dropped from
        `creating`, a branch's own buyer its default contact; stored."""
        buyers = link.written.setdefault("buyers", {})
        link.written.pop("roles_pending", None)
        creating = [email for email in link.written.pop("creating", None) or () if email not in buyers]
        if creating:
            link.written["creating"] = creating
        own = buyers.get(desired.email) if desired is not None else None
        if own and link.written.get("head", link.cin7_id) != link.cin7_id:
            # A branch's default contact: the synced customer's company contact (its welcome email)
            link.contact_id = own["contact"]
            link.written["contact_of"] = link.written["customer"] = own["customer"]
        self.ctx.store.save_company_link(link)

    def _reconcile(self, link, wanted: dict, buyers: dict) -> dict:
        """Record the wanted roles the location has already; revoke a wanted contact's other role there.
        Returns the roles still to assign."""
        existing = {a.contact_id: a for a in self.trees.role_assignments(link.location_id)}
        left = {}
        for email, (entry, role_id) in wanted.items():
            found = existing.get(entry["contact"])
            if found is not None and found.role.casefold() == entry["role"].casefold():
                buyers[email] = {**entry, "assignment": found.id}
                continue
            if found is not None:
                self.ctx.before_write()
                errors = self.volume.revoke_roles(found.contact_id, [found.id])
                if errors:
                    raise Refused(errors[0])
            left[email] = (entry, role_id)
        return left

    def _contact(self, company_id: str, customer_id: str) -> str:
        """The customer's contact in the company, made now if it is none yet."""
        key = (company_id, customer_id)
        if key in self.taken:  # a bulk line answered TAKEN: read it
            found = self.trees.contact_of(company_id, customer_id)
            if found:
                self.contacts[key] = found
        if key not in self.contacts:
            self.ctx.before_write()
            contact, errors = self.api.assign_contact(company_id, customer_id)
            if any(e.code == "TAKEN" for e in errors):  # a contact already (a killed run made it)
                contact, errors = self.trees.contact_of(company_id, customer_id), ()
            if errors or not contact:
                raise Refused(errors[0] if errors else "no contact returned")
            self.contacts[key] = contact
        return self.contacts[key]

    def _refused(self, cin7_id: str, error) -> None:
        self.ctx.report(
            Issue(
                Code.SHOPIFY_USER_ERROR,
                f"Shopify refused to revoke a buyer's role: {error}",
                cin7_id=cin7_id,
                subject=f"b2b:{cin7_id}",
            )
        )

    def _plan(self, companies: dict[str, DesiredCompany], assign: dict, revoke: list) -> None:
        """One preview entry per location whose buyers change: `buyer <email>` from its role to the new."""
        changes = defaultdict(dict)
        for cin7_id, email in revoke:
            role = self.links[cin7_id].written["buyers"][email]["role"]
            changes[cin7_id][f"buyer {email}"] = {"from": role, "to": None}
        for (cin7_id, email), role in assign.items():
            change = changes[cin7_id].setdefault(f"buyer {email}", {"from": None})
            change["to"] = role
        for cin7_id, rows in sorted(changes.items()):
            state = companies[cin7_id].state
            entry = {"company": state["name"], "location": state["location"]["name"], "cin7_id": cin7_id}
            planned(self.ctx, {"action": "update", **entry, "changes": dict(sorted(rows.items()))})
