"""The B2B bulk stages (issue 26; syncs/b2b/bulk_companies.py, bulk_branches.py, bulk_contacts.py): the
company trees' tests run again with the stages on from 2 records (the tree shop has three new companies,
Acme HQ, Bravo and Orphan, and two branch locations, Acme North and South), so the end state, the rerun
without writes and the kills anywhere are the single calls'; a run killed while a stage runs (staging,
right after its start, or waiting for it) is resumed by the next, with no duplicate; a refused line is
reported for its company."""

import pytest

from connectors.shopify.sandbox.context import BulkModel
from integration_app.models import PendingBulkOperation, SyncRun, SyncSettings
from syncs.b2b.bulk_companies import BulkCompanyCreator
from syncs.context import WriteLimitReached
from tests.helpers import kill_bulk_stage, run_sync
from tests.syncs.test_b2b_trees import (  # noqa: F401  (fixtures and the trees' tests, run here in bulk)
    locations,
    test_a_run_killed_anywhere_and_rerun_leaves_no_duplicate_location_contact_or_buyer,
    test_head_offices_branches_buyers_tax_ids_and_billing,
    tree_shop,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def bulk_from_two(shopify_sandbox, monkeypatch):
    """Bulk from 2 new companies, branch locations or main contacts; operations start at once and run
    1000 lines a second."""
    shopify_sandbox.endpoint.bulk_model = BulkModel(rows_per_second=1000, startup_seconds=0)
    monkeypatch.setattr(BulkCompanyCreator, "threshold", 2)


@pytest.fixture
def shop_ids(tree_shop):  # noqa: F811
    """The tree shop's Cin7 IDs by name."""
    return tree_shop[1]


def bulk_runs(shopify_sandbox) -> list[str]:
    return [c.operation_name for c in shopify_sandbox.calls if "bulkOperationRunMutation" in c.root_fields]


def test_the_new_companies_are_created_in_one_bulk_operation(shop_ids, installed_shop, shopify_sandbox):
    run_sync(installed_shop)
    # companies, branch locations, contacts, main contacts, roles; then the buyers' customers, contacts, roles
    assert len(bulk_runs(shopify_sandbox)) == 8
    assert single_calls(shopify_sandbox) == []
    assert not PendingBulkOperation.objects.exists()


def single_calls(shopify_sandbox) -> list[str]:
    """The company and main contact writes made by single calls (none where the bulk stages ran; the
    other buyers' contacts are still single calls)."""
    fields = {"companyCreate", "companyLocationCreate", "companyAssignMainContact"}
    return [c.operation_name for c in shopify_sandbox.calls if fields & set(c.root_fields)]


@pytest.mark.parametrize("stage", [1, 2, 3, 4])  # companies, branches, contacts, main contacts (and roles)
@pytest.mark.parametrize("method", ["wait", "run", "stage"])
def test_killed_during_the_stage_the_rerun_ends_in_the_same_state(
    shop_ids,
    installed_shop,
    sandbox_shop,
    shopify_sandbox,
    monkeypatch,
    method,
    stage,
):
    ids = shop_ids
    SyncSettings.objects.filter(shop=installed_shop).update(b2b_companies=False)
    run_sync(installed_shop)  # customers and prices first
    SyncSettings.objects.filter(shop=installed_shop).update(b2b_companies=True)
    with monkeypatch.context() as patch:
        kill_bulk_stage(patch, method, stage)
        with pytest.raises(WriteLimitReached):
            run_sync(installed_shop)
    SyncRun.objects.filter(status="running").update(heartbeat_at="2020-01-01T00:00:00Z")
    rerun = run_sync(installed_shop)
    assert rerun.status != "failed", rerun.error_message
    assert not PendingBulkOperation.objects.exists()
    b2b = sandbox_shop.b2b
    assert (len(b2b.companies), len(b2b.locations)) == (3, 5)  # no duplicate company
    contacts_of = [(c.company_id, c.customer_id) for c in b2b.contacts.values()]
    assert len(contacts_of) == len(set(contacts_of))  # no customer twice a contact of one company
    found = locations(sandbox_shop)
    assert found[ids["north"]][1] == {"boss@acme.test": "Location admin", "north@acme.test": "Location admin",
                                      "clerk@acme.test": "Ordering only"}  # fmt: skip
    assert found[ids["hq"]][2] == "GB 123"
    assert single_calls(shopify_sandbox) == []  # all in bulk
    assert run_sync(installed_shop).stats["writes"] == 0


def test_a_refused_line_is_reported_for_its_company(
    shop_ids,
    installed_shop,
    sandbox_shop,
    cin7_account,
):
    ids = shop_ids
    cin7_account.update_customer(ids["bravo"], Name="B" * 300)  # Shopify: a name of at most 255
    run = run_sync(installed_shop)
    refused = [i for i in run.issues.all() if "refused the company" in i.message]
    assert [i.cin7_id for i in refused] == [ids["bravo"]]
    assert len(sandbox_shop.b2b.companies) == 2
