"""The company tree applied to the desired companies (CONTRACT §3 "Companies as Cin7 shapes them").

Each in-scope Cin7 customer stays one `DesiredCompany` (one location, one company link), so catalogs and
markets stay keyed per location; the tree says which company the location belongs to (`state["head"]`,
the head office's Cin7 ID, and its name), its billing address, tax registration ID and buyers.
"""

from dataclasses import replace

from connectors.cin7.records import Customer

from ..issues import Code, Issue
from .mapping import DesiredCompany
from .shapes import company_trees, location_state


def relatives_to_read(customers: list[Customer], links: dict) -> list[str]:
    """On an incremental run, the Cin7 IDs the tree needs that were not read: the head offices of the
    branches read, and the branches of the head offices read (their location follows the head office)."""
    read = {customer.id for customer in customers}
    wanted = {customer.parent_id for customer in customers if customer.parent_id}
    wanted |= {cin7_id for cin7_id, link in links.items() if link.written.get("head") in read}
    return sorted(wanted - read)


def apply_trees(ctx, companies: dict[str, DesiredCompany], customers: list[Customer], links: dict) -> None:
    """Turn the desired companies of `customers` into locations of their head office's company, with
    buyers; the tree's issues are reported. `links`: the company links (who holds which buyer)."""
    by_id = {customer.id: customer for customer in customers if customer.id in companies}
    owners = buyer_owners(links)
    trees, issues = company_trees(by_id.values(), {customer.id for customer in customers}, owners=owners)
    for issue in issues:
        ctx.report(issue)
    heads = {tree.cin7_id for tree in trees}
    elsewhere = buyer_owners({cin7_id: link for cin7_id, link in links.items() if cin7_id not in companies})
    for tree in trees:
        for location in tree.locations:
            desired = companies[location.cin7_id]
            shape = location_state(location, by_id)
            state = dict(desired.state)
            state["name"] = tree.name
            state["head"] = tree.cin7_id
            state["location"] = {key: shape[key] for key in ("name", "shipping", "billing")}
            state["tax_id"] = shape["tax_registration_id"]
            buyers = {buyer.email: {"role": buyer.role, "name": buyer.name} for buyer in location.buyers}
            default = by_id[location.cin7_id].default_contact
            own_email = (default.email or "").strip().lower() if default else ""
            if location.cin7_id == tree.cin7_id:
                buyers.pop(own_email, None)  # the main contact at its own location: `CompanyWriter`'s
            # A buyer at a location this (incremental) run did not read, of another company: kept there.
            for email in [e for e in buyers if elsewhere.get(e, tree.cin7_id) not in (tree.cin7_id, *heads)]:
                del buyers[email]
                ctx.report(_kept_elsewhere(email, tree, links.get(elsewhere[email])))
            companies[location.cin7_id] = replace(desired, state=state, buyers=buyers, email=own_email)


def _kept_elsewhere(email: str, tree, owner) -> Issue:
    where = (owner.written.get("name") if owner else None) or "another company"
    return Issue(
        Code.B2B_CONTACT_IN_TWO_COMPANIES,
        f"{email} is a contact of “{where}” and of “{tree.name}”; it stays with “{where}”.",
        cin7_id=tree.cin7_id,
        email=email,
        subject=f"b2b:{tree.cin7_id}",
    )


def buyer_owners(links: dict) -> dict[str, str]:
    """Email -> the head office (company) whose location it is a buyer of already, from what was written."""
    owners = {}
    for cin7_id, link in sorted(links.items()):
        for email in link.written.get("buyers") or {}:
            owners.setdefault(email, link.written.get("head") or cin7_id)
    return owners
