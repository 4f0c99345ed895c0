"""The connector's company-tree operations (connectors/shopify/b2b_trees.py) against the sandbox: a location
found by exact externalId, deleted with its roles and catalog places, roles assigned and read back, a
customer's contact found in a company."""

import pytest

from connectors.shopify.b2b import B2BAdmin
from connectors.shopify.b2b_trees import TreeAdmin
from connectors.shopify.client import GraphQLClient

from .conftest import SHOP, VERSION, Admin
from .test_sandbox_b2b import create_company, location_id, new_catalog


@pytest.fixture
def client(sandbox, clock) -> GraphQLClient:
    token = sandbox.issue_token(SHOP)
    return GraphQLClient(
        SHOP, lambda: token, admin_url_template=sandbox.admin_url_template, api_version=VERSION, clock=clock
    )


@pytest.fixture
def admin_http(sandbox) -> Admin:
    return Admin(sandbox, SHOP, sandbox.issue_token(SHOP))


def test_a_location_is_found_by_its_exact_external_id_and_deleted_with_its_roles(shop, client, admin_http):
    shop.set_plan("Shopify Plus")
    trees, b2b = TreeAdmin(client), B2BAdmin(client)
    company = create_company(admin_http, external_id="C-1")
    other = create_company(admin_http, name="Other", external_id="C-10")
    branch, errors = b2b.create_location(company["id"], {"name": "North", "externalId": "C-1-N"})
    assert errors == ()
    assert trees.location_by_external_id("C-1")["id"] == location_id(company)  # not C-10, not C-1-N
    assert trees.location_by_external_id("C-1-N")["company"]["id"] == company["id"]
    assert trees.location_by_external_id("C-2") is None
    new_catalog(admin_http, "Cin7 · Trade", [branch["id"]])

    customer = shop.add_customer(email="clerk@acme.test")  # its gid
    contact, errors = b2b.assign_contact(company["id"], customer)
    roles = {r["name"]: r["id"] for r in company["contactRoles"]["nodes"]}
    assigned, errors = trees.assign_roles(branch["id"], [(contact, roles["Ordering only"])])
    assert errors == () and set(assigned) == {contact}
    [read] = trees.role_assignments(branch["id"])
    assert (read.id, read.contact_id, read.customer_id, read.role) == (
        assigned[contact],
        contact,
        customer,
        "Ordering only",
    )
    _, errors = trees.assign_roles(branch["id"], [(contact, roles["Location admin"])])
    assert [e.code for e in errors] == ["LIMIT_REACHED"]  # one role per contact and location
    assert trees.contact_of(company["id"], customer) == contact
    assert trees.contact_of(other["id"], customer) is None

    assert trees.delete_location(branch["id"]) == ()
    assert trees.location_by_external_id("C-1-N") is None
    assert shop.b2b.assignments_of(contact) == [] and contact in shop.b2b.contacts  # the contact stays
    assert all(branch["id"] not in c.location_ids for c in shop.b2b.catalogs.values())
    assert trees.delete_location(branch["id"]) == ()  # already gone: nothing to do
    _, errors = b2b.create_location(other["id"], {"name": "North", "externalId": "C-1-N"})
    assert errors == () and trees.location_by_external_id("C-1-N")["company"]["id"] == other["id"]
