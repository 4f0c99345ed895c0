"""The company tree applied to the desired companies (CONTRACT §3 "Companies as Cin7 shapes them").

Each in-scope Cin7 customer stays one `DesiredCompany` (one location, one company link), so catalogs and
markets stay keyed per location; the tree says which company the location belongs to (`state["head"]`,
the head office's Cin7 ID, and its name), its billing address, tax registration ID and buyers.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from connectors.cin7.records import Customer

from ..issues import Code, Issue
from .mapping import DesiredCompany
from .shapes import company_trees, location_state


def relatives_to_read(customers: list[Customer], links: dict, read_ids: list[str]) -> list[str]:
    """On an incremental run, the Cin7 IDs the tree needs that were not read (`read_ids`): the head offices
    of the branches in `customers`, and the branches of the head offices read (their location follows the
    head office)."""
    read = set(read_ids)
    wanted = {customer.parent_id for customer in customers if customer.parent_id}
    wanted |= {cin7_id for cin7_id, link in links.items() if link.written.get("head") in read}
    return sorted(wanted - read)


@dataclass(frozen=True, slots=True)
class LinkFacts:
    """What the desired state needs of a company link's written state: its company (head office and
    name), its buyers' emails and the tier codes of its catalogs and markets. On a full run the links
    themselves, with every location's snapshot, are loaded only once the Cin7 customers are let go."""

    head: str
    name: str | None
    buyers: tuple[str, ...]
    tiers: frozenset[int]


def link_facts(links: Iterable) -> dict[str, LinkFacts]:
    """Cin7 ID -> the `LinkFacts` of each company link (`syncs.store.CompanyLinkRecord`)."""
    facts = {}
    for link in links:
        written = link.written
        tiers = {int(key.split(":")[1]) for key in written.get("catalogs") or () if key.startswith("tier:")}
        tiers.update(int(key.split(":")[1]) for key in written.get("markets") or ())  # "market:<code>"
        buyers = tuple(written.get("buyers") or ())
        facts[link.cin7_id] = LinkFacts(
            written.get("head") or link.cin7_id, written.get("name"), buyers, frozenset(tiers)
        )
    return facts


def apply_trees(
    ctx,
    companies: dict[str, DesiredCompany],
    customers: list[Customer],
    links: dict[str, LinkFacts],
    read_ids: list[str],
) -> None:
    """Turn the desired companies of `customers` into locations of their head office's company, with
    buyers; the tree's issues are reported. `links`: the company links' facts (who holds which buyer);
    `read_ids`: every customer the run read (a head office out of scope is not a missing one)."""
    by_id = {customer.id: customer for customer in customers if customer.id in companies}
    owners = buyer_owners(links)
    trees, issues = company_trees(by_id.values(), set(read_ids), owners=owners)
    for issue in issues:
        ctx.report(issue)
    heads = {tree.cin7_id for tree in trees}
    elsewhere = buyer_owners({cin7_id: facts for cin7_id, facts in links.items() if cin7_id not in companies})
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


def _kept_elsewhere(email: str, tree, owner: LinkFacts | None) -> Issue:
    where = (owner.name if owner else None) or "another company"
    return Issue(
        Code.B2B_CONTACT_IN_TWO_COMPANIES,
        f"{email} is a contact of “{where}” and of “{tree.name}”; it stays with “{where}”.",
        cin7_id=tree.cin7_id,
        email=email,
        subject=f"b2b:{tree.cin7_id}",
    )


def buyer_owners(links: dict[str, LinkFacts]) -> dict[str, str]:
    """Email -> the head office (company) whose location it is a buyer of already, from what was written."""
    owners = {}
    for cin7_id in sorted(links):
        for email in links[cin7_id].buyers:
            owners.setdefault(email, links[cin7_id].head)
    return owners
