"""Pricing sync against both sandboxes (contract §3 "Prices", `customer_prices`, §4)."""

import json

import pytest

from connectors.shopify.admin import ShopifyAdmin
from connectors.shopify.records import UserError
from connectors.shopify.sandbox.store import MetafieldDefinition
from integration_app.models import SyncRun, VariantPrice
from syncs.context import WriteLimitReached
from tests.helpers import b2b_customer, run_sync

pytestmark = pytest.mark.django_db(transaction=True)


def tiers_of(sandbox_shop, variant_id):
    metafield = sandbox_shop.metafield(variant_id, "cin7", "price_tiers")
    return json.loads(metafield["value"]) if metafield else None


@pytest.fixture
def catalog(cin7_account, sandbox_shop):
    """Cin7 products and the Shopify variants they should land on (with the awkward cases)."""
    cin7_account.rename_tier(1, "Wholesale")
    cin7_account.rename_tier(2, "Distributor")
    ids = {
        "A-1": cin7_account.add_product(
            {"SKU": "A-1", "Name": "A", "PriceTier1": "12.5", "PriceTier2": "11.1234"}
        ),
        "B-2": cin7_account.add_product(
            {"SKU": "B-2", "Name": "B", "PriceTier1": 20, "PriceTier2": 0, "PriceTier10": 25}
        ),
        "C-3": cin7_account.add_product({"SKU": "C-3", "Name": "C", "PriceTier1": 5}),
        "NOPE-1": cin7_account.add_product({"SKU": "NOPE-1", "Name": "Not online", "PriceTier1": 1}),
        "NOPE-2": cin7_account.add_product({"SKU": "NOPE-2", "Name": "Not online", "PriceTier1": 1}),
        "ZERO": cin7_account.add_product({"SKU": "ZERO", "Name": "Unpriced"}),
    }
    sandbox_shop.add_product("A", variants=[{"sku": "A-1"}, {"sku": "a-1"}])
    sandbox_shop.add_product("B", variants=[{"sku": "B-2"}])
    sandbox_shop.add_product("B again", variants=[{"sku": "B-2"}])
    sandbox_shop.add_product("C", variants=[{"sku": "C-3"}, {"sku": ""}])
    sandbox_shop.add_product("Zero", variants=[{"sku": "ZERO"}])
    variants = {}
    for variant_id, variant in sandbox_shop.variants.items():
        variants.setdefault(variant["sku"], []).append(variant_id)
    return ids, variants


def test_first_full_run_writes_tiers_by_code_name_exactly(
    installed_shop, catalog, sandbox_shop, cin7_account
):
    _ids, variants = catalog
    run = run_sync(installed_shop, kind="pricing")
    assert tiers_of(sandbox_shop, variants["A-1"][0]) == {"Wholesale": "12.50", "Distributor": "11.1234"}
    assert list(tiers_of(sandbox_shop, variants["A-1"][0])) == ["Wholesale", "Distributor"]
    for b in variants["B-2"]:
        assert tiers_of(sandbox_shop, b) == {"Wholesale": "20.00", "Tier 10": "25.00"}
    assert tiers_of(sandbox_shop, variants["a-1"][0]) is None  # SKUs match case-sensitively
    assert tiers_of(sandbox_shop, variants["ZERO"][0]) is None  # no tier priced above 0
    names = json.loads(sandbox_shop.shop_metafields[("cin7", "price_tier_names")].value)
    assert names == ["Wholesale", "Distributor"] + [f"Tier {n}" for n in range(3, 11)]
    assert run.counts["variants_updated"] == 4
    issues = {code: (sku, message) for code, sku, message in run.issues.values_list("code", "sku", "message")}
    assert set(issues) == {"sku_not_found", "duplicate_sku"}
    assert issues["sku_not_found"][0] == "NOPE-1, NOPE-2" and "2 Cin7 SKUs" in issues["sku_not_found"][1]
    assert issues["duplicate_sku"][0] == "B-2"
    # One problem per SKU stays open, so a new missing SKU is news and the same two are not.
    assert set(installed_shop.open_problems.filter(code="sku_not_found").values_list("sku", flat=True)) == {
        "NOPE-1",
        "NOPE-2",
    }


def test_rerun_without_change_writes_nothing(installed_shop, catalog, shopify_sandbox):
    run_sync(installed_shop, kind="pricing")
    writes = shopify_sandbox.writes()
    for full in (True, False):
        run = run_sync(installed_shop, kind="pricing", full=full)
        assert shopify_sandbox.writes() == writes and run.counts["variants_updated"] == 0


def test_one_price_change_rewrites_exactly_that_variant(
    installed_shop, catalog, sandbox_shop, shopify_sandbox, cin7_account
):
    ids, variants = catalog
    run_sync(installed_shop, kind="pricing")
    shopify_sandbox.reset_calls()
    cin7_account.update_product(ids["C-3"], PriceTier1="5.0001")
    run = run_sync(installed_shop, kind="pricing", full=False)
    assert run.counts["variants_updated"] == 1
    writes = [c for c in shopify_sandbox.calls if c.mutation]
    assert [c.operation_name for c in writes] == ["MetafieldsSet"]
    assert tiers_of(sandbox_shop, variants["C-3"][0]) == {"Wholesale": "5.0001"}
    assert run.counts["read"] <= 6  # only products modified since the watermark (with the overlap)


def test_tier_rename_rewrites_names_everywhere(installed_shop, catalog, sandbox_shop, cin7_account):
    _ids, variants = catalog
    cin7_account.add_customer(b2b_customer("Tier Buyer", "tier@example.com", PriceTier=1))
    run_sync(installed_shop)
    cin7_account.rename_tier(1, "Trade")
    run = run_sync(installed_shop, full=False)  # incremental: nothing was modified, only renamed
    assert tiers_of(sandbox_shop, variants["A-1"][0]) == {"Trade": "12.50", "Distributor": "11.1234"}
    names = json.loads(sandbox_shop.shop_metafields[("cin7", "price_tier_names")].value)
    assert names[0] == "Trade"
    buyer = next(c for c in sandbox_shop.customers.values() if c.email == "tier@example.com")
    assert buyer.metafields[("cin7", "price_tier")].value == "Trade"
    assert run.counts["variants_updated"] == 4


def test_rename_run_killed_after_some_writes_is_finished_by_the_next_incremental_run(
    installed_shop, cin7_account, sandbox_shop
):
    cin7_account.rename_tier(1, "Wholesale")
    old = "2026-01-05T10:00:00.000Z"  # modified long before the watermark: incremental runs skip them
    for sku in ("K-1", "K-2"):
        cin7_account.add_product({"SKU": sku, "Name": sku, "PriceTier1": 3, "LastModifiedOn": old})
        sandbox_shop.add_product(sku, variants=[{"sku": sku}])
    run_sync(installed_shop, kind="pricing")
    cin7_account.rename_tier(1, "Trade")
    with pytest.raises(WriteLimitReached):
        run_sync(installed_shop, kind="pricing", full=False, write_limit=1)  # one variant rewritten
    SyncRun.objects.filter(status="running").update(heartbeat_at="2020-01-01T00:00:00Z")
    run = run_sync(installed_shop, kind="pricing", full=False)
    assert run.status == "succeeded"
    assert [tiers_of(sandbox_shop, v) for v in sandbox_shop.variants] == [{"Trade": "3.00"}] * 2
    assert json.loads(sandbox_shop.shop_metafields[("cin7", "price_tier_names")].value)[0] == "Trade"


def test_a_variant_priced_under_another_sku_is_repriced_by_an_incremental_run(
    installed_shop, cin7_account, sandbox_shop
):
    old = "2026-01-05T10:00:00.000Z"
    cin7_account.add_product({"SKU": "OLD", "Name": "Old", "PriceTier1": 1, "LastModifiedOn": old})
    new_id = cin7_account.add_product({"SKU": "NEW", "Name": "New", "PriceTier1": 2})
    sandbox_shop.add_product("P", variants=[{"sku": "OLD"}])
    (variant_id,) = sandbox_shop.variants
    run_sync(installed_shop, kind="pricing")
    sandbox_shop.variants[variant_id]["sku"] = "NEW"  # the merchant re-SKUs the variant in Shopify
    cin7_account.update_product(new_id, PriceTier1=5)
    run = run_sync(installed_shop, kind="pricing", full=False)
    assert run.status == "succeeded", run.error_message
    assert tiers_of(sandbox_shop, variant_id) == {"Tier 1": "5.00"}
    assert list(VariantPrice.objects.values_list("variant_id", "sku")) == [(variant_id, "NEW")]


def test_full_run_clears_open_problems_of_skus_gone_from_cin7(installed_shop, cin7_account, sandbox_shop):
    gone = cin7_account.add_product({"SKU": "GONE", "Name": "Gone", "PriceTier1": 1})
    run_sync(installed_shop, kind="pricing")
    assert installed_shop.open_problems.filter(code="sku_not_found", sku="GONE").exists()
    cin7_account.deprecate_product(gone)
    run = run_sync(installed_shop, kind="pricing", full=True)  # a full run does not read deprecated ones
    assert "sku_not_found" not in set(run.issues.values_list("code", flat=True))
    assert not installed_shop.open_problems.filter(sku="GONE").exists()


def test_existing_definitions_are_adopted_and_one_of_another_type_is_reported_once(
    installed_shop, cin7_account, sandbox_shop
):
    def defined(key, owner, type_name):
        definition = MetafieldDefinition(
            f"gid://shopify/MetafieldDefinition/9{len(key)}", "cin7", key, key, type_name, owner
        )
        sandbox_shop.definitions.append(definition)
        return definition

    defined("price_tier_names", "SHOP", "json")  # the same type: adopted, no error
    conflict = defined("price_tiers", "PRODUCTVARIANT", "single_line_text_field")
    for n in range(30):
        cin7_account.add_product({"SKU": f"D-{n}", "Name": "D", "PriceTier1": 1})
        sandbox_shop.add_product(f"D-{n}", variants=[{"sku": f"D-{n}"}])
    run = run_sync(installed_shop, kind="pricing")
    assert list(run.issues.values_list("code", flat=True)) == ["definition_conflict"]
    assert "cin7.price_tiers" in run.issues.get().message and run.counts["variants_updated"] == 0
    sandbox_shop.definitions.remove(conflict)  # the merchant deletes it, as the fix says
    run = run_sync(installed_shop, kind="pricing")
    assert run.status == "succeeded" and run.counts["variants_updated"] == 30
    assert ("cin7", "price_tier_names") in sandbox_shop.shop_metafields
    assert sandbox_shop.definition("PRODUCTVARIANT", "cin7", "price_tiers").storefront_access == "PUBLIC_READ"
    assert not installed_shop.open_problems.exists()


def test_a_customer_definition_of_another_type_keeps_that_key_out_of_customer_writes(
    installed_shop, cin7_account, sandbox_shop
):
    sandbox_shop.definitions.append(
        MetafieldDefinition("gid://shopify/MetafieldDefinition/77", "cin7", "credit_limit", "Credit", "money",
                            "CUSTOMER")
    )  # fmt: skip
    cin7_account.add_customer(b2b_customer("Ann Buyer", "ann@example.com", CreditLimit=500))
    run = run_sync(installed_shop, kind="customers")
    assert run.counts["created"] == 1
    assert list(run.issues.values_list("code", flat=True)) == ["definition_conflict"]
    (ann,) = sandbox_shop.customers.values()
    keys = {key for namespace, key in ann.metafields if namespace == "cin7"}
    assert "credit_limit" not in keys and {"company_name", "cin7_id"} <= keys
    assert run_sync(installed_shop, kind="customers").counts["unchanged"] == 1


def test_duplicate_tier_names_are_told_apart_and_reported(
    installed_shop, catalog, sandbox_shop, cin7_account
):
    _ids, variants = catalog
    cin7_account.rename_tier(2, "Wholesale")
    run = run_sync(installed_shop, kind="pricing")
    assert tiers_of(sandbox_shop, variants["A-1"][0]) == {
        "Wholesale (Tier 1)": "12.50",
        "Wholesale (Tier 2)": "11.1234",
    }
    assert "duplicate_tier_name" in set(run.issues.values_list("code", flat=True))


def test_deprecated_product_loses_its_metafield(installed_shop, catalog, sandbox_shop, cin7_account):
    ids, variants = catalog
    run_sync(installed_shop, kind="pricing")
    cin7_account.deprecate_product(ids["C-3"])
    run = run_sync(installed_shop, kind="pricing", full=False)
    assert tiers_of(sandbox_shop, variants["C-3"][0]) is None
    assert run.counts["variants_updated"] == 1
    assert not VariantPrice.objects.filter(sku="C-3").exists()


def test_a_priced_variant_deleted_in_shopify_is_forgotten_once(
    installed_shop, catalog, sandbox_shop, shopify_sandbox, cin7_account, monkeypatch
):
    ids, variants = catalog
    run_sync(installed_shop, kind="pricing")
    cin7_account.deprecate_product(ids["C-3"])
    del sandbox_shop.variants[variants["C-3"][0]]  # the merchant deleted the product in Shopify
    deletes = ShopifyAdmin.delete_metafields

    def not_found(self, refs):  # what Shopify may answer for an owner that no longer exists
        deletes(self, refs)
        return tuple(UserError(("metafields", "0", "ownerId"), "Not found", "NOT_FOUND", 0) for _ in refs)

    monkeypatch.setattr(ShopifyAdmin, "delete_metafields", not_found)
    run = run_sync(installed_shop, kind="pricing")
    assert "shopify_user_error" not in set(run.issues.values_list("code", flat=True))
    assert not VariantPrice.objects.filter(sku="C-3").exists()
    writes = shopify_sandbox.writes()
    assert run_sync(installed_shop, kind="pricing").counts["variants_updated"] == 0
    assert shopify_sandbox.writes() == writes


def test_customer_specific_prices_change_is_caught_by_full_runs(
    installed_shop, catalog, sandbox_shop, cin7_account, shopify_sandbox
):
    cin7_id = cin7_account.add_customer(
        b2b_customer("Custom", "custom@example.com", LastModifiedOn="2026-01-05T10:00:00.000Z")
    )
    cin7_account.set_customer_price(cin7_id, "A-1", "10.0000")
    run_sync(installed_shop)
    customer = next(c for c in sandbox_shop.customers.values() if c.email == "custom@example.com")
    assert customer.metafields[("cin7", "customer_prices")].value == '{"A-1":"10.00"}'
    cin7_account.set_customer_price(cin7_id, "B-2", "19.99")  # Cin7 does not date this change
    run_sync(installed_shop, kind="pricing", full=False)
    assert customer.metafields[("cin7", "customer_prices")].value == '{"A-1":"10.00"}'
    shopify_sandbox.reset_calls()
    run = run_sync(installed_shop, kind="pricing", full=True)
    assert customer.metafields[("cin7", "customer_prices")].value == '{"A-1":"10.00","B-2":"19.99"}'
    assert [c.operation_name for c in shopify_sandbox.calls if c.mutation] == ["MetafieldsSet"]
    assert run.counts["updated"] == 1


def test_large_catalog_is_read_with_one_bulk_export(
    installed_shop, cin7_account, sandbox_shop, shopify_sandbox
):
    for n in range(300):
        sku = f"BULK-{n:04d}"
        cin7_account.add_product({"SKU": sku, "Name": sku, "PriceTier1": f"{n + 1}.25"})
        sandbox_shop.add_product(sku, variants=[{"sku": sku}])
    run = run_sync(installed_shop, kind="pricing")
    reads = [c.operation_name for c in shopify_sandbox.calls if not c.mutation]
    assert "ProductVariants" not in reads and "BulkOperation" in reads
    assert run.counts["variants_updated"] == 300
    sets = [c for c in shopify_sandbox.calls if c.operation_name == "MetafieldsSet"]
    assert len(sets) == 12 + 1  # 300 variants in calls of 25, plus the tier names
