"""Variant prices in bulk (issue 26, syncs/pricing/bulk_writes.py): the same metafields as the single
calls, a refused line reported as the single call reports it, and a run killed while the operation runs
finished by the next one."""

import json

import pytest

from connectors.shopify.bulk_mutations import BulkMutations
from connectors.shopify.sandbox.context import BulkModel
from integration_app.models import PendingBulkOperation, SyncRun, VariantPrice
from syncs.context import WriteLimitReached
from syncs.pricing import writes
from tests.helpers import run_sync

pytestmark = pytest.mark.django_db(transaction=True)
VARIANTS = 60  # 3 lines of 25, 25 and 10


@pytest.fixture
def catalog(cin7_account, sandbox_shop, shopify_sandbox, monkeypatch):
    shopify_sandbox.endpoint.bulk_model = BulkModel(
        rows_per_second=1000, startup_seconds=0, export_startup_seconds=0, export_rows_per_second=10_000
    )
    monkeypatch.setattr(writes, "BULK_PRICES_THRESHOLD", 50)
    for n in range(VARIANTS):
        sku = f"P-{n:03d}"
        cin7_account.add_product({"SKU": sku, "Name": sku, "PriceTier1": f"{n + 1}.25"})
        sandbox_shop.add_product(sku, variants=[{"sku": sku}])
    return {variant["sku"]: variant_id for variant_id, variant in sandbox_shop.variants.items()}


def prices(sandbox_shop, variants: dict) -> dict:
    found = {}
    for sku, variant_id in variants.items():
        metafield = sandbox_shop.metafield(variant_id, "cin7", "price_tiers")
        found[sku] = json.loads(metafield["value"]) if metafield else None
    return found


def bulk_runs(shopify_sandbox) -> int:
    return sum("bulkOperationRunMutation" in call.root_fields for call in shopify_sandbox.calls)


def single_sets(shopify_sandbox) -> int:
    return sum(call.operation_name == "MetafieldsSet" for call in shopify_sandbox.calls)


def test_prices_in_bulk_land_as_the_single_calls_write_them(
    installed_shop, catalog, sandbox_shop, shopify_sandbox
):
    run = run_sync(installed_shop, kind="pricing")
    assert run.status == "succeeded", run.error_message
    assert bulk_runs(shopify_sandbox) == 1 and single_sets(shopify_sandbox) == 1  # the tier names
    assert run.counts["variants_updated"] == VARIANTS
    assert prices(sandbox_shop, catalog) == {f"P-{n:03d}": {"Tier 1": f"{n + 1}.25"} for n in range(VARIANTS)}
    assert VariantPrice.objects.count() == VARIANTS and not PendingBulkOperation.objects.exists()
    rerun = run_sync(installed_shop, kind="pricing")
    assert rerun.counts["variants_updated"] == 0 and bulk_runs(shopify_sandbox) == 1


def test_a_refused_line_goes_through_the_single_call_which_reports_it(
    installed_shop, catalog, sandbox_shop, shopify_sandbox, monkeypatch
):
    gone = catalog["P-030"]
    real = BulkMutations.stage

    def stage_with_a_deleted_variant(self, lines, *args):
        sandbox_shop.variants.pop(gone)  # deleted in Shopify after the listing: its line is refused
        return real(self, lines, *args)

    monkeypatch.setattr(BulkMutations, "stage", stage_with_a_deleted_variant)
    run = run_sync(installed_shop, kind="pricing")
    assert bulk_runs(shopify_sandbox) == 1
    assert single_sets(shopify_sandbox) >= 2  # the refused line's 25, input by input, and the tier names
    assert run.counts["variants_updated"] == VARIANTS - 1
    assert "P-030" in " ".join(run.issues.values_list("message", flat=True))
    assert VariantPrice.objects.count() == VARIANTS - 1


def test_killed_while_the_prices_run_in_bulk_the_next_run_finishes_them(
    installed_shop, catalog, sandbox_shop, shopify_sandbox, monkeypatch
):
    with monkeypatch.context() as patch:

        def killed(self, operation):
            raise WriteLimitReached("killed while waiting")

        patch.setattr(BulkMutations, "wait", killed)
        with pytest.raises(WriteLimitReached):
            run_sync(installed_shop, kind="pricing")
    assert PendingBulkOperation.objects.get().kind == "variant_prices"
    SyncRun.objects.filter(status="running").update(heartbeat_at="2020-01-01T00:00:00Z")
    rerun = run_sync(installed_shop, kind="pricing")
    assert rerun.status == "succeeded", rerun.error_message
    assert prices(sandbox_shop, catalog) == {f"P-{n:03d}": {"Tier 1": f"{n + 1}.25"} for n in range(VARIANTS)}
    assert VariantPrice.objects.count() == VARIANTS and not PendingBulkOperation.objects.exists()
    assert run_sync(installed_shop, kind="pricing").counts["variants_updated"] == 0
