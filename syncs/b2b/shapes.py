"""Companies as Cin7 shapes them (CONTRACT §3; docs/cin7-shapes.md): a head office's branches are locations
of its company, and every contact with an email is a buyer. Pure; no I/O.

Cin7 allows one level of parents (help "Customer hierarchies"); a longer chain is still resolved to its top
in-scope customer, and a loop makes each customer in it its own company.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace

from connectors.cin7.records import Address, Customer

from ..addresses import pick_address
from ..issues import Code, Issue
from .mapping import company_address

LOCATION_ADMIN = "Location admin"
ORDERING_ONLY = "Ordering only"
_RANK = {LOCATION_ADMIN: 0, ORDERING_ONLY: 1}


@dataclass(frozen=True)
class Buyer:
    """A company contact's role at one location; `email` is trimmed and lower-cased (how it is matched)."""

    email: str
    name: str | None
    role: str


@dataclass(frozen=True)
class LocationShape:
    """One in-scope Cin7 customer as a location (`externalId` = `cin7_id`)."""

    cin7_id: str
    name: str
    billing_from: str  # the Cin7 ID whose billing address the location takes (its head office's when billed)
    tax_registration_id: str | None
    buyers: tuple[Buyer, ...]


@dataclass(frozen=True)
class CompanyTree:
    """A head office (or a customer without one) with its branches; `cin7_id` is the company's externalId."""

    cin7_id: str
    name: str
    main_contact: str | None  # the head office's default contact email
    locations: tuple[LocationShape, ...]  # the head office first, then its branches by Cin7 ID


def company_trees(
    in_scope: Iterable[Customer], known_ids: Collection[str], owners: Mapping[str, str] | None = None
) -> tuple[list[CompanyTree], list[Issue]]:
    """The desired companies of the in-scope customers, by head office ID.

    `known_ids`: every customer ID Cin7 returned (in scope or not), to tell a head office out of scope
    from a missing one. `owners`: contact email -> the company it is a contact of already, which keeps it
    on a conflict (`b2b_contact_in_two_companies`).
    """
    by_id = {_key(customer.id): customer for customer in in_scope}
    known = {_key(cin7_id) for cin7_id in known_ids}
    issues, members = [], {}
    for customer in by_id.values():
        root, problem = _root_of(customer, by_id, known)
        if problem is not None:
            issues.append(problem)
        members.setdefault(_key(root.id), []).append(customer)
    trees = [_tree(by_id[root_key], members[root_key], by_id) for root_key in sorted(members)]
    trees, conflicts = _one_company_per_contact(trees, owners or {})
    return trees, issues + conflicts


def _key(cin7_id: str) -> str:
    return cin7_id.strip().lower()


def _name(customer: Customer) -> str:
    return (customer.name or "").strip() or customer.id


def _root_of(customer: Customer, by_id: dict, known: set) -> tuple[Customer, Issue | None]:
    """The top in-scope customer above `customer`, and the issue when its own parent is not usable."""
    parent_key = _key(customer.parent_id) if customer.parent_id else None
    if parent_key is None or parent_key == _key(customer.id):
        return customer, None
    if parent_key not in by_id:
        code = Code.B2B_HEAD_OFFICE_OUT_OF_SCOPE if parent_key in known else Code.B2B_HEAD_OFFICE_MISSING
        why = "is not a B2B customer" if parent_key in known else "was not found in Cin7"
        message = (
            f"“{_name(customer)}” is a branch of {customer.parent_id}, which {why}; it is its own company."
        )
        return customer, Issue(code, message, cin7_id=customer.id, subject=f"b2b:{customer.id}")
    seen, current = {_key(customer.id)}, by_id[parent_key]
    while current.parent_id and _key(current.parent_id) in by_id and _key(current.parent_id) not in seen:
        seen.add(_key(current.id))
        current = by_id[_key(current.parent_id)]
    if current.parent_id and _key(current.parent_id) in seen:
        return customer, None  # a loop: no head office to follow
    return current, None


def _tree(root: Customer, customers: list[Customer], by_id: dict) -> CompanyTree:
    main = root.default_contact
    main_email = _email(main.email) if main else None
    branches = sorted((c for c in customers if c is not root), key=lambda c: _key(c.id))
    locations = []
    for customer in [root, *branches]:
        billing_from = customer.id
        if customer is not root and customer.is_bill_parent and customer.parent_id:
            billing_from = by_id[_key(customer.parent_id)].id
        buyers = _buyers(customer)
        if main_email and customer is not root:
            buyers[main_email] = Buyer(main_email, main.name, LOCATION_ADMIN)
        locations.append(
            LocationShape(
                cin7_id=customer.id,
                name=_name(customer),
                billing_from=billing_from,
                tax_registration_id=customer.tax_number,
                buyers=tuple(sorted(buyers.values(), key=lambda b: b.email)),
            )
        )
    return CompanyTree(root.id, _name(root), main_email, tuple(locations))


def _email(value: str | None) -> str | None:
    text = (value or "").strip().lower()
    return text if "@" in text else None


def _buyers(customer: Customer) -> dict[str, Buyer]:
    """Each contact with an email: the default one location admin, the others ordering only."""
    default = customer.default_contact
    buyers: dict[str, Buyer] = {}
    for contact in customer.contacts:
        email = _email(contact.email)
        if email is None:
            continue
        buyer = Buyer(email, contact.name, LOCATION_ADMIN if contact is default else ORDERING_ONLY)
        if email not in buyers or _RANK[buyer.role] < _RANK[buyers[email].role]:
            buyers[email] = buyer
    return buyers


def _one_company_per_contact(
    trees: list[CompanyTree], owners: Mapping[str, str]
) -> tuple[list[CompanyTree], list[Issue]]:
    """Each email stays a buyer of one company: where it already is, else where it is the main contact,
    else where it is a location admin, else the first company by Cin7 ID; the others are reported."""
    companies: dict[str, list[CompanyTree]] = {}
    for tree in trees:
        for email in {buyer.email for location in tree.locations for buyer in location.buyers}:
            companies.setdefault(email, []).append(tree)
    keeper, issues = {}, []
    for email, holders in sorted(companies.items()):
        if len(holders) == 1:
            continue
        owner = _key(owners.get(email, ""))

        def preference(tree: CompanyTree, email=email, owner=owner) -> tuple:
            admin = any(
                b.email == email and b.role == LOCATION_ADMIN for loc in tree.locations for b in loc.buyers
            )
            return (_key(tree.cin7_id) != owner, tree.main_contact != email, not admin, _key(tree.cin7_id))

        kept, *dropped = sorted(holders, key=preference)
        keeper[email] = kept.cin7_id
        for tree in dropped:
            issues.append(
                Issue(
                    Code.B2B_CONTACT_IN_TWO_COMPANIES,
                    f"{email} is a contact of “{kept.name}” and of “{tree.name}”; "
                    f"it stays with “{kept.name}”.",
                    cin7_id=tree.cin7_id,
                    email=email,
                    subject=f"b2b:{tree.cin7_id}",
                )
            )
    return [_without_others(tree, keeper) for tree in trees], issues


def _without_others(tree: CompanyTree, keeper: Mapping[str, str]) -> CompanyTree:
    def mine(email: str) -> bool:
        return keeper.get(email, tree.cin7_id) == tree.cin7_id

    locations = tuple(
        replace(location, buyers=tuple(b for b in location.buyers if mine(b.email)))
        for location in tree.locations
    )
    main = tree.main_contact if tree.main_contact and mine(tree.main_contact) else None
    return replace(tree, main_contact=main, locations=locations)


def location_state(location: LocationShape, customers: Mapping[str, Customer]) -> dict:
    """What the writer compares for one location: name, addresses (`CompanyAddressInput`), tax ID, buyers.

    Shipping is the location customer's address (as for a company of its own); billing is the default
    `Billing` address, else the shipping address, of `billing_from` (the head office for an `IsBillParent`
    branch), with that customer's name as recipient.
    """
    own, payer = customers[location.cin7_id], customers[location.billing_from]
    shipping = company_address(pick_address(own.addresses), location.name)
    payer_name = _name(payer)
    billing = company_address(_default_billing(payer.addresses), payer_name) or company_address(
        pick_address(payer.addresses), payer_name
    )
    return {
        "name": location.name,
        "shipping": shipping,
        "billing": billing or shipping,
        "tax_registration_id": location.tax_registration_id,
        "buyers": {buyer.email: buyer.role for buyer in location.buyers},
    }


def _default_billing(addresses: Iterable[Address]) -> Address | None:
    return next(
        (a for a in addresses if (a.type or "").strip().casefold() == "billing" and a.default_for_type), None
    )


def role_changes(
    desired: Mapping[tuple[str, str], str], current: Mapping[tuple[str, str], str]
) -> tuple[dict[tuple[str, str], str], list[tuple[str, str]]]:
    """Roles to assign and to revoke, keyed (location Cin7 ID, email). A contact removed in Cin7 loses its
    role at that location only (its Shopify customer stays); a changed role is revoked, then assigned."""
    assign = {key: role for key, role in desired.items() if current.get(key) != role}
    revoke = sorted(key for key, role in current.items() if desired.get(key) != role)
    return assign, revoke
