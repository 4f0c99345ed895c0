"""A real kill in the B2B phase of head offices, branches and buyers: `manage.py sync` SIGKILLed while it
creates branch locations, buyer customers, contacts and roles, then run again, ends where a clean run ends,
with no duplicate location, customer, contact or role (CONTRACT §3 "Companies as Cin7 shapes them", §4)."""

import signal

import pytest

from tests.conftest import CIN7_ACCOUNT, CIN7_KEY, SHOP
from tests.helpers import b2b_customer
from tests.integration_app import test_sync_killed as killed
from tests.integration_app.test_sync_killed import CLEAN_SHOP, SETUP, run_command, runs, start_and_stop_after
from tests.processes import run_python

pytestmark = pytest.mark.slow

HEAD_OFFICES = 5
command_env = killed.command_env  # the command's environment: its own database, the sandboxes' URLs


@pytest.fixture
def tree_shops(command_env, cin7_account, shopify_sandbox, sandbox_shop):
    """Two Plus shops (the one under test and a clean twin), 5 head offices with 2 branches each, every
    customer with a second contact; B2B on."""
    clean = shopify_sandbox.add_shop(CLEAN_SHOP, name="Clean", email="owner@clean.example", currency="USD")
    for shop in (sandbox_shop, clean):
        shop.set_plan("Shopify Plus")
    for n in range(HEAD_OFFICES):
        head = cin7_account.add_customer(tree_customer(f"Head {n}", f"h{n}", TaxNumber=f"TAX-{n}"))
        for b in range(2):
            cin7_account.add_customer(
                tree_customer(f"Branch {n}.{b}", f"b{n}x{b}", CustomerParentID=head, IsBillParent=b == 0)
            )
    for n in range(5):
        cin7_account.add_product({"SKU": f"SKU-{n}", "Name": f"P{n}", "PriceTier1": 10 + n})
        for shop in (sandbox_shop, clean):
            shop.add_product(f"P{n}", variants=[{"sku": f"SKU-{n}"}])
    tokens = [SHOP, shopify_sandbox.issue_token(SHOP), CLEAN_SHOP, shopify_sandbox.issue_token(CLEAN_SHOP)]
    setup = SETUP + "SyncSettings.objects.update(b2b_companies=True)\n"
    run_python("-c", setup, CIN7_ACCOUNT, CIN7_KEY, *tokens, env=command_env)
    return sandbox_shop, clean


def tree_customer(name, key, **extra):
    data = b2b_customer(name, f"{key}@example.com", phone=None, **extra)
    data["Contacts"].append({"Name": f"Clerk {key}", "Email": f"clerk-{key}@example.com", "Default": False})
    return data


def b2b_state(shop):
    """Per location externalId: its company's externalId, buyers with roles, tax ID; and every customer's
    email once (a duplicate fails)."""
    b2b, emails = shop.b2b, [c.email for c in shop.customers.values()]
    assert len(emails) == len(set(emails)), "duplicate customer"
    pairs = [(c.company_id, c.customer_id) for c in b2b.contacts.values()]
    assert len(pairs) == len(set(pairs)), "a customer twice a contact of one company"
    locations = {}
    for location in b2b.locations.values():
        assert location.external_id not in locations, "duplicate location"
        roles = sorted(
            (shop.customers[b2b.contacts[a.contact_id].customer_id].email, b2b.roles[a.role_id].name)
            for a in b2b.assignments_of(location.id)
        )
        company = b2b.companies[location.company_id].external_id
        locations[location.external_id] = (company, roles, location.tax_registration_id)
    return locations, sorted(emails)


@pytest.mark.parametrize("writes", [60, 80, 105, 125])  # companies, buyer customers, contacts, roles
def test_a_sync_killed_among_branches_and_buyers_run_again_ends_in_the_clean_state(
    tree_shops, command_env, shopify_sandbox, writes
):
    shop, clean = tree_shops
    code, output = run_command(command_env, CLEAN_SHOP)
    assert code in (0, 1), output
    code, output = start_and_stop_after(command_env, shopify_sandbox, writes, signal.SIGKILL)
    assert code == -signal.SIGKILL, output
    code, output = run_command(command_env, SHOP)
    assert code in (0, 1), output
    assert next(run[1] for run in runs(command_env)) == "failed"
    assert b2b_state(shop) == b2b_state(clean)
    assert len(shop.b2b.locations) == 3 * HEAD_OFFICES and len(shop.b2b.companies) == HEAD_OFFICES
    before = shopify_sandbox.writes(SHOP)
    code, output = run_command(command_env, SHOP)
    assert code in (0, 1) and shopify_sandbox.writes(SHOP) == before, output
