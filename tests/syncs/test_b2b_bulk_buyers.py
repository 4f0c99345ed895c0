"""The other buyers in bulk (issue 26, stage 5; syncs/b2b/bulk_buyers.py), on the tree shop of
test_b2b_trees.py in both B2B modes with every stage on from 2 records: its buyers' customers found by one
export and created by one bulk operation, their contacts and roles assigned by two more; a run killed
during each of those stages (while staging, right after its start, or waiting for it) and rerun ends in
the clean run's state, with no customer or contact twice, and a rerun after writes nothing."""

import pytest

from connectors.shopify.sandbox.context import BulkModel
from integration_app.models import CompanyLink, PendingBulkOperation, SyncRun, SyncSettings
from syncs.b2b.bulk_companies import BulkCompanyCreator
from syncs.context import WriteLimitReached
from syncs.customers.existing import ExistingCustomers
from tests.helpers import kill_bulk_stage, run_sync
from tests.syncs.test_b2b_trees import LA, OO, contacts, locations, tree_shop  # noqa: F401  (the tree shop fixture)

pytestmark = pytest.mark.django_db(transaction=True)

BUYER_FIELDS = {"customerCreate", "companyAssignCustomerAsContact", "companyLocationAssignRoles"}
CREATED = ("buyer@acme.test", "clerk@acme.test")  # the buyers no synced customer has the email of


@pytest.fixture(autouse=True)
def bulk_from_two(shopify_sandbox, monkeypatch):
    """Every bulk stage and the customer export from 2 records; operations start at once and run 1000
    lines a second."""
    shopify_sandbox.endpoint.bulk_model = BulkModel(rows_per_second=1000, startup_seconds=0)
    monkeypatch.setattr(BulkCompanyCreator, "threshold", 2)
    monkeypatch.setattr(ExistingCustomers, "threshold", 2)


@pytest.fixture
def customers_synced(tree_shop, installed_shop):  # noqa: F811
    """The tree shop's customers and prices synced, B2B not yet: every later write is a B2B one."""
    SyncSettings.objects.filter(shop=installed_shop).update(b2b_companies=False)
    run_sync(installed_shop)
    SyncSettings.objects.filter(shop=installed_shop).update(b2b_companies=True)
    return tree_shop[1]


def single_buyer_calls(shopify_sandbox, since: int) -> list[str]:
    """Buyer writes and look-ups made by single calls (bulk lines are not requests)."""
    fields = BUYER_FIELDS | {"customerByIdentifier"}
    return [c.operation_name for c in shopify_sandbox.calls[since:] if fields & set(c.root_fields)]


def assert_clean_state(ids, sandbox_shop, installed_shop, *, invites=CREATED) -> None:
    """The clean run's Shopify state: no company, customer or contact twice, every buyer's role; the
    buyers the app made (`invites`) are the ones welcomed."""
    b2b = sandbox_shop.b2b
    assert (len(b2b.companies), len(b2b.locations)) == (3, 5)
    emails = [c.email for c in sandbox_shop.customers.values()]
    assert len(emails) == len(set(emails))  # no buyer made twice
    contacts_of = [(c.company_id, c.customer_id) for c in b2b.contacts.values()]
    assert len(contacts_of) == len(set(contacts_of))  # no customer twice a contact of one company
    found = locations(sandbox_shop)
    buyer_at = "hq" if found[ids["hq"]][1].get("buyer@acme.test") else "bravo"
    assert found[ids["hq"]][1] == {"boss@acme.test": LA} | (
        {"buyer@acme.test": OO} if buyer_at == "hq" else {}
    )
    assert found[ids["north"]][1] == {"boss@acme.test": LA, "north@acme.test": LA, "clerk@acme.test": OO}
    assert found[ids["south"]][1] == {"boss@acme.test": LA, "south@acme.test": LA}
    assert found[ids["bravo"]][1] == {"bravo@b.test": LA} | (
        {"buyer@acme.test": OO} if buyer_at == "bravo" else {}
    )
    written = {
        email: entry
        for link in CompanyLink.objects.filter(shop=installed_shop)
        for email, entry in (link.written.get("buyers") or {}).items()
    }
    assert {email for email, entry in written.items() if "invite" in entry} == set(invites)
    assert not any(
        link.written.get("roles_pending") for link in CompanyLink.objects.filter(shop=installed_shop)
    )


def test_the_buyers_go_in_three_bulk_operations_and_no_single_call(
    customers_synced, installed_shop, sandbox_shop, shopify_sandbox
):
    mark = len(shopify_sandbox.calls)
    run = run_sync(installed_shop)
    assert run.status != "failed", run.error_message
    names = [
        c.operation_name for c in shopify_sandbox.calls[mark:] if "bulkOperationRunMutation" in c.root_fields
    ]
    assert len(names) == 8  # companies, branch locations, contacts, main contacts, roles; then the buyers'
    assert single_buyer_calls(shopify_sandbox, mark) == []
    assert not PendingBulkOperation.objects.exists()
    assert_clean_state(customers_synced, sandbox_shop, installed_shop)
    assert run_sync(installed_shop).stats["writes"] == 0


@pytest.mark.parametrize("stage", [6, 7, 8])  # the buyers' customers, contacts, roles (after 5 of companies)
@pytest.mark.parametrize("method", ["wait", "run", "stage"])
def test_killed_during_a_buyer_stage_the_rerun_ends_in_the_same_state(
    customers_synced, installed_shop, sandbox_shop, shopify_sandbox, monkeypatch, method, stage
):
    with monkeypatch.context() as patch:
        kill_bulk_stage(patch, method, stage)
        with pytest.raises(WriteLimitReached):
            run_sync(installed_shop)
    SyncRun.objects.filter(status="running").update(heartbeat_at="2020-01-01T00:00:00Z")
    mark = len(shopify_sandbox.calls)
    rerun = run_sync(installed_shop)
    assert rerun.status != "failed", rerun.error_message
    assert not PendingBulkOperation.objects.exists()
    assert_clean_state(customers_synced, sandbox_shop, installed_shop)
    assert single_buyer_calls(shopify_sandbox, mark) == []  # what the killed run's stage did was read
    assert run_sync(installed_shop).stats["writes"] == 0


def test_contacts_and_roles_shopify_has_already_fall_back_to_the_single_path(
    customers_synced, installed_shop, sandbox_shop, shopify_sandbox
):
    """Records lost after the writes: the contacts lines answer TAKEN and the roles lines are refused;
    the single path reads the contacts and the locations' roles and records them, writing nothing new."""
    run_sync(installed_shop)
    contacts_before = len(sandbox_shop.b2b.contacts)
    for link in CompanyLink.objects.filter(shop=installed_shop):
        link.written.pop("buyers", None)
        link.save()
    mark = len(shopify_sandbox.calls)
    run = run_sync(installed_shop)
    assert run.status != "failed", run.error_message
    assert not run.issues.filter(message__contains="refused the buyers").exists()
    assert len(sandbox_shop.b2b.contacts) == contacts_before
    assert "B2BCompanyContacts" in [c.operation_name for c in shopify_sandbox.calls[mark:]]  # TAKEN: read
    assert_clean_state(customers_synced, sandbox_shop, installed_shop, invites=())  # welcomed before
    assert run_sync(installed_shop).stats["writes"] == 0


def test_a_refused_customer_line_is_reported_as_the_single_call_reports_it(
    customers_synced, installed_shop, sandbox_shop, cin7_account
):
    bravo = customers_synced["bravo"]
    cin7_account.update_customer(
        bravo, Contacts=contacts("bravo@b.test", "buyer@acme.test", "bad mail@b.test", "new@b.test")
    )
    run = run_sync(installed_shop)
    refused = [i.message for i in run.issues.all() if "refused the buyer " in i.message]
    assert refused == ["Shopify refused the buyer bad mail@b.test: email: Email is invalid"]
    assert sandbox_shop.customer_by_email("new@b.test") is not None
    assert locations(sandbox_shop)[bravo][1]["new@b.test"] == OO
