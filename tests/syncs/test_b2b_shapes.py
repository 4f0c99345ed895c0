"""The company tree of head offices and branches, and buyers per location (CONTRACT §3 "Companies as Cin7
shapes them")."""

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.cin7 import Customer
from syncs.b2b.shapes import LOCATION_ADMIN, ORDERING_ONLY, Buyer, company_trees, location_state, role_changes
from syncs.issues import Code

HEAD, NORTH, SOUTH, LONE = "aaaa-head", "bbbb-north", "cccc-south", "dddd-lone"


def customer(cin7_id, name, *contacts, parent=None, bill_parent=False, tax=None, default=0, addresses=()):
    return Customer.parse(
        {
            "ID": cin7_id,
            "Name": name,
            "CustomerParentID": parent,
            "IsBillParent": bill_parent,
            "TaxNumber": tax,
            "Contacts": [
                {"Name": f"Person {n}", "Email": email, "Default": n == default}
                for n, email in enumerate(contacts)
            ],
            "Addresses": list(addresses),
        }
    )


def by_id(trees):
    return {tree.cin7_id: tree for tree in trees}


def test_branches_are_locations_of_the_head_office_company():
    customers = [
        customer(SOUTH, "Acme South", "south@acme.test", parent=HEAD, bill_parent=True),
        customer(HEAD, "Acme HQ", "boss@acme.test", "buyer@acme.test", tax="GB 123"),
        customer(NORTH, "Acme North", "north@acme.test", "Clerk@Acme.test ", parent=HEAD),
        customer(LONE, "Lone Shop", "lone@shop.test"),
    ]
    trees, issues = company_trees(customers, {c.id for c in customers})
    assert issues == []
    assert [tree.cin7_id for tree in trees] == [HEAD, LONE]
    acme = by_id(trees)[HEAD]
    assert (acme.name, acme.main_contact) == ("Acme HQ", "boss@acme.test")
    head, north, south = acme.locations
    assert [loc.cin7_id for loc in acme.locations] == [HEAD, NORTH, SOUTH]
    assert (head.tax_registration_id, north.tax_registration_id) == ("GB 123", None)
    assert (head.billing_from, north.billing_from, south.billing_from) == (HEAD, NORTH, HEAD)
    assert head.buyers == (
        Buyer("boss@acme.test", "Person 0", LOCATION_ADMIN),
        Buyer("buyer@acme.test", "Person 1", ORDERING_ONLY),
    )
    assert north.buyers == (
        Buyer("boss@acme.test", "Person 0", LOCATION_ADMIN),
        Buyer("clerk@acme.test", "Person 1", ORDERING_ONLY),
        Buyer("north@acme.test", "Person 0", LOCATION_ADMIN),
    )
    assert {b.email: b.role for b in south.buyers} == {
        "boss@acme.test": LOCATION_ADMIN,
        "south@acme.test": LOCATION_ADMIN,
    }


def test_contacts_without_email_are_not_buyers_and_admin_wins_a_repeat():
    shop = customer(LONE, "Lone", None, "x@shop.test", "X@shop.test", "no-at-sign", default=2)
    (tree,), _ = company_trees([shop], {LONE})
    assert tree.main_contact == "x@shop.test"
    assert tree.locations[0].buyers == (Buyer("x@shop.test", "Person 2", LOCATION_ADMIN),)


def test_head_office_out_of_scope_or_missing_makes_the_branch_its_own_company():
    north = customer(NORTH, "Acme North", "north@acme.test", parent=HEAD)
    south = customer(SOUTH, "Acme South", "south@acme.test", parent="eeee-gone", bill_parent=True)
    trees, issues = company_trees([north, south], {HEAD, NORTH, SOUTH})
    assert [tree.cin7_id for tree in trees] == [NORTH, SOUTH]
    assert by_id(trees)[SOUTH].locations[0].billing_from == SOUTH  # no head office to bill
    assert [(i.code, i.cin7_id) for i in issues] == [
        (Code.B2B_HEAD_OFFICE_OUT_OF_SCOPE, NORTH),
        (Code.B2B_HEAD_OFFICE_MISSING, SOUTH),
    ]
    assert all(i.subject == f"b2b:{i.cin7_id}" for i in issues)


def test_parent_ids_compare_case_insensitively_and_chains_and_loops_resolve():
    head = customer("AAAA-HEAD", "HQ", "hq@a.test")
    mid = customer(NORTH, "Mid", "mid@a.test", parent="aaaa-head")
    leaf = customer(SOUTH, "Leaf", "leaf@a.test", parent=NORTH)
    loop_a = customer("x1", "Loop A", "a@loop.test", parent="x2")
    loop_b = customer("x2", "Loop B", "b@loop.test", parent="x1")
    trees, issues = company_trees([leaf, mid, head, loop_a, loop_b], {"aaaa-head", NORTH, SOUTH, "x1", "x2"})
    assert issues == []
    assert {tree.cin7_id: [loc.cin7_id for loc in tree.locations] for tree in trees} == {
        "AAAA-HEAD": ["AAAA-HEAD", NORTH, SOUTH],
        "x1": ["x1"],
        "x2": ["x2"],
    }


def test_contact_in_two_companies_stays_with_the_first():
    first = customer(HEAD, "Acme", "boss@acme.test", "shared@x.test")
    second = customer(LONE, "Lone", "lone@shop.test", "shared@x.test")
    trees, issues = company_trees([second, first], {HEAD, LONE})
    emails = {t.cin7_id: {b.email for loc in t.locations for b in loc.buyers} for t in trees}
    assert emails == {HEAD: {"boss@acme.test", "shared@x.test"}, LONE: {"lone@shop.test"}}
    (issue,) = issues
    assert (issue.code, issue.cin7_id, issue.email) == (
        Code.B2B_CONTACT_IN_TWO_COMPANIES,
        LONE,
        "shared@x.test",
    )
    # where it already is wins, so a rerun never moves it
    trees, issues = company_trees([second, first], {HEAD, LONE}, owners={"shared@x.test": LONE})
    assert "shared@x.test" in {b.email for b in by_id(trees)[LONE].locations[0].buyers}
    assert issues[0].cin7_id == HEAD


def test_a_main_contact_keeps_its_own_company():
    acme = customer(HEAD, "Acme", "boss@acme.test")
    other = customer("0000-first", "First by ID", "first@x.test", "boss@acme.test")
    trees, issues = company_trees([acme, other], {HEAD, "0000-first"})
    assert by_id(trees)[HEAD].main_contact == "boss@acme.test"
    assert [i.cin7_id for i in issues] == ["0000-first"]


def test_role_changes_revoke_removed_contacts_only():
    current = {
        (HEAD, "a@x.test"): LOCATION_ADMIN,
        (HEAD, "gone@x.test"): ORDERING_ONLY,
        (NORTH, "b@x.test"): ORDERING_ONLY,
    }
    desired = {
        (HEAD, "a@x.test"): LOCATION_ADMIN,
        (NORTH, "b@x.test"): LOCATION_ADMIN,
        (SOUTH, "c@x.test"): ORDERING_ONLY,
    }
    assign, revoke = role_changes(desired, current)
    assert assign == {(NORTH, "b@x.test"): LOCATION_ADMIN, (SOUTH, "c@x.test"): ORDERING_ONLY}
    assert revoke == [(HEAD, "gone@x.test"), (NORTH, "b@x.test")]
    assert role_changes(desired, desired) == ({}, [])


IDS = [f"id-{n}" for n in range(8)]
EMAILS = [f"p{n}@x.test" for n in range(6)]


@st.composite
def customers(draw):
    chosen = draw(st.lists(st.sampled_from(IDS), unique=True, max_size=8))
    result = []
    for cin7_id in chosen:
        parent = draw(st.one_of(st.none(), st.sampled_from([*IDS, "missing"])))
        emails = draw(st.lists(st.one_of(st.none(), st.sampled_from(EMAILS)), max_size=3))
        result.append(
            customer(cin7_id, cin7_id.upper(), *emails, parent=parent, bill_parent=draw(st.booleans()))
        )
    return result


@settings(max_examples=150, deadline=None)
@given(customers(), st.permutations(range(8)))
def test_every_customer_is_one_location_and_every_email_one_company(given_customers, order):
    shuffled = sorted(given_customers, key=lambda c: order[IDS.index(c.id)])
    trees, issues = company_trees(shuffled, set(IDS))
    locations = [loc.cin7_id for tree in trees for loc in tree.locations]
    assert sorted(locations) == sorted(c.id for c in given_customers)
    owners = {}
    for tree in trees:
        assert tree.locations[0].cin7_id == tree.cin7_id
        for email in {b.email for loc in tree.locations for b in loc.buyers}:
            assert owners.setdefault(email, tree.cin7_id) == tree.cin7_id
    again, again_issues = company_trees(list(reversed(shuffled)), set(IDS))
    assert again == trees and sorted(map(str, again_issues)) == sorted(map(str, issues))


def test_location_state_bills_a_bill_parent_branch_to_the_head_office():
    def with_addresses(cin7_id, name, city, **tree):
        addresses = [
            {"Line1": f"{n} {city} {street}", "City": city, "Country": "United States", "Type": kind,
             "DefaultForType": True}
            for n, street, kind in ((1, "St", "Shipping"), (9, "Ave", "Billing"))
        ]  # fmt: skip
        return customer(cin7_id, name, f"ann@{cin7_id}.test", addresses=addresses, **tree)

    customers = [
        with_addresses(HEAD, "Acme HQ", "Austin", tax="US-1"),
        with_addresses(NORTH, "Acme North", "Dallas", parent=HEAD, bill_parent=True),
        with_addresses(SOUTH, "Acme South", "Houston", parent=HEAD),
    ]
    (tree,), _ = company_trees(customers, {c.id for c in customers})
    by_id = {c.id: c for c in customers}
    head, north, south = (location_state(loc, by_id) for loc in tree.locations)
    assert head["tax_registration_id"] == "US-1" and north["tax_registration_id"] is None
    assert (north["shipping"]["city"], north["billing"]["city"]) == ("Dallas", "Austin")
    assert north["billing"] == head["billing"] | {"recipient": "Acme HQ"}
    assert (south["shipping"]["city"], south["billing"]["address1"]) == ("Houston", "9 Houston Ave")
    assert north["buyers"] == {"ann@aaaa-head.test": LOCATION_ADMIN, "ann@bbbb-north.test": LOCATION_ADMIN}
