"""The catalog side's bulk stages (issue 26; syncs/b2b/bulk_catalogs.py, bulk_prices.py): the company
trees' tests run again with the catalog stages on from 2 lines (on Plus the tree shop has three catalogs,
the two tiers' and Acme South's own; on Grow two B2B markets), so the prices at checkout, the rerun without
writes and the kills anywhere are the single calls'; a run killed while a stage runs (staging, right after
its start, or waiting for it) is resumed by the next, with no duplicate catalog or price list; a refused
line is reported for its catalog."""

from decimal import Decimal

import pytest

from connectors.shopify.bulk_mutations import BulkMutations
from connectors.shopify.sandbox.context import BulkModel
from integration_app.models import ManagedCatalog, PendingBulkOperation, SyncRun, SyncSettings
from syncs.b2b.bulk_companies import BulkCompanyCreator
from syncs.b2b.bulk_prices import CatalogStages
from syncs.context import WriteLimitReached
from tests.helpers import kill_bulk_stage, run_sync
from tests.syncs.test_b2b_trees import (  # noqa: F401  (fixtures and the trees' tests, run here in bulk)
    assert_prices,
    locations,
    test_a_run_killed_anywhere_and_rerun_leaves_no_duplicate_location_contact_or_buyer,
    test_head_offices_branches_buyers_tax_ids_and_billing,
    tree_shop,
)

pytestmark = pytest.mark.django_db(transaction=True)

PLUS_STAGES = ["catalog_create", "price_list_create", "fixed_prices", "catalog_context"]
GROW_STAGES = ["fixed_prices"]
# What the stages replace: on Grow the markets' catalogs and price lists (one per tier) stay single calls.
PLUS_BULK = {"catalogCreate", "priceListCreate", "priceListFixedPricesUpdate", "catalogContextUpdate"}
GROW_BULK = {"priceListFixedPricesUpdate"}


@pytest.fixture(autouse=True)
def bulk_from_two(shopify_sandbox, monkeypatch):
    """Catalog stages in bulk from 2 lines; operations start at once and run 1000 lines a second."""
    shopify_sandbox.endpoint.bulk_model = BulkModel(rows_per_second=1000, startup_seconds=0)
    monkeypatch.setattr(CatalogStages, "threshold", 2)


def stages_run(sandbox_shop) -> list[str]:
    """The kinds of the bulk mutations started, in order (named by the client identifier)."""
    return [
        op.client_identifier.removeprefix("cin7_").rsplit("_", 1)[0]
        for op in sandbox_shop.bulk_operations
        if getattr(op, "client_identifier", None)
    ]


def single_calls(shopify_sandbox, plus: bool) -> list[str]:
    """The single calls of the root fields the stages write in bulk (none where they ran)."""
    fields = PLUS_BULK if plus else GROW_BULK
    return [c.operation_name for c in shopify_sandbox.calls if fields & set(c.root_fields)]


def assert_end_state(installed_shop, sandbox_shop, ids, plus: bool) -> None:
    """Checkout prices as the single calls leave them; one catalog and one price list per catalog row."""
    tiers = {ids["hq"]: 1, ids["north"]: 2, ids["south"]: 1, ids["bravo"]: 2, ids["orphan"]: 1}
    assert_prices(installed_shop, sandbox_shop, tiers, {ids["south"]: {"A": Decimal(8)}} if plus else {})
    b2b = sandbox_shop.b2b
    rows = ManagedCatalog.objects.filter(shop=installed_shop).exclude(catalog_id="")
    titles = [c.title for c in b2b.catalogs.values()]
    assert len(titles) == len(set(titles)) == rows.count() == (3 if plus else 2)  # no duplicate catalog
    assert len(b2b.price_lists) == rows.count()  # no duplicate price list
    assert not PendingBulkOperation.objects.exists()


def test_a_first_run_writes_catalogs_price_lists_prices_and_membership_in_bulk(
    tree_shop,  # noqa: F811
    installed_shop,
    sandbox_shop,
    shopify_sandbox,
):
    plus, ids = tree_shop
    run = run_sync(installed_shop)
    assert run.status != "failed", run.error_message
    assert stages_run(sandbox_shop) == (PLUS_STAGES if plus else GROW_STAGES)
    assert single_calls(shopify_sandbox, plus) == []
    assert_end_state(installed_shop, sandbox_shop, ids, plus)
    assert run_sync(installed_shop).stats["writes"] == 0


# Plus: catalogs, price lists, fixed prices, membership; Grow: fixed prices (its markets are single calls)
STAGE_CASES = [("Shopify Plus", n) for n in range(1, len(PLUS_STAGES) + 1)] + [("Grow", 1)]


@pytest.mark.parametrize(("tree_shop", "stage"), STAGE_CASES, indirect=["tree_shop"])
@pytest.mark.parametrize("method", ["wait", "run", "stage"])
def test_killed_during_a_catalog_stage_the_rerun_ends_in_the_same_state(
    tree_shop,  # noqa: F811
    installed_shop,
    sandbox_shop,
    shopify_sandbox,
    monkeypatch,
    method,
    stage,
):
    plus, ids = tree_shop
    SyncSettings.objects.filter(shop=installed_shop).update(b2b_companies=False)
    run_sync(installed_shop)  # customers and prices first: every later bulk operation is a catalog one
    SyncSettings.objects.filter(shop=installed_shop).update(b2b_companies=True)
    with monkeypatch.context() as patch:
        kill_bulk_stage(patch, method, stage)
        with pytest.raises(WriteLimitReached):
            run_sync(installed_shop)
    SyncRun.objects.filter(status="running").update(heartbeat_at="2020-01-01T00:00:00Z")
    rerun = run_sync(installed_shop)
    assert rerun.status != "failed", rerun.error_message
    assert_end_state(installed_shop, sandbox_shop, ids, plus)
    assert single_calls(shopify_sandbox, plus) == []  # all in bulk, the killed stage's lines too
    assert run_sync(installed_shop).stats["writes"] == 0


def test_a_refused_price_line_is_reported_for_its_catalog_and_sent_again(
    tree_shop,  # noqa: F811
    installed_shop,
    sandbox_shop,
    monkeypatch,
):
    plus, ids = tree_shop
    real = BulkMutations.stage

    def one_line_refused(self, lines):
        lines = list(lines)
        if "pricesToAdd" in lines[0]:
            unknown = {
                "variantId": "gid://shopify/ProductVariant/0",
                "price": lines[0]["pricesToAdd"][0]["price"],
            }
            lines[0] = {**lines[0], "pricesToAdd": [unknown]}  # Shopify refuses the line
        return real(self, lines)

    with monkeypatch.context() as patch:
        patch.setattr(BulkMutations, "stage", one_line_refused)
        run = run_sync(installed_shop)
    refused = [i.message for i in run.issues.all() if "refused" in i.message]
    noun = "catalog" if plus else "B2B market"
    assert len(refused) == 1 and refused[0].startswith(f"Shopify refused {noun} “"), refused
    run_sync(installed_shop)  # the refused line's prices are sent again
    assert_end_state(installed_shop, sandbox_shop, ids, plus)
    assert run_sync(installed_shop).stats["writes"] == 0


@pytest.mark.parametrize("company_stages", [False, True])
def test_a_new_locations_tax_id_goes_in_its_create_not_a_call_of_its_own(
    tree_shop,  # noqa: F811
    installed_shop,
    sandbox_shop,
    shopify_sandbox,
    monkeypatch,
    company_stages,
):
    """Head office and branch locations made by single calls or in bulk carry `taxRegistrationId`."""
    _plus, ids = tree_shop
    if company_stages:
        monkeypatch.setattr(BulkCompanyCreator, "threshold", 2)
    run_sync(installed_shop)
    tax_calls = [c for c in shopify_sandbox.calls if "companyLocationTaxSettingsUpdate" in c.root_fields]
    assert tax_calls == []
    assert locations(sandbox_shop)[ids["hq"]][2] == "GB 123"
    assert run_sync(installed_shop).stats["writes"] == 0
