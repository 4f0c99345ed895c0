"""Volume pricing and pack sizes in both B2B modes, against both sandboxes (contract §3 "Companies as Cin7
shapes them": `DiscountRule` -> quantity price breaks, `CartonQuantity` -> quantity rules; issue 25). Every
test runs with both full-run read-backs: the managed variants 30 a request, and the bulk export."""

from decimal import Decimal

import pytest

from connectors.shopify import b2b_volume_export
from connectors.shopify.b2b_volume import VolumeAdmin
from connectors.shopify.b2b_volume_export import VolumeExports
from connectors.shopify.bulk import start_bulk_query
from connectors.shopify.documents import document
from connectors.shopify.sandbox.context import BulkModel
from integration_app.models import CompanyLink, ManagedCatalog, Shop, SyncRun, SyncSettings
from integration_app.shopify_api import admin_api
from syncs.b2b.volume_writer import VolumeWriter
from syncs.context import WriteLimitReached
from tests.helpers import b2b_customer, killed_until_done, run_sync

pytestmark = pytest.mark.django_db(transaction=True)

MARKET_SCOPES = "read_customers,write_customers,read_products,write_products,read_markets,write_markets"
RULES = {
    "Volume": [  # a neutral first line, then 12.5 % off from 10 and 3.00 off from 24.5 (-> 25)
        {"MinValue": 0, "MaxValue": 9, "DiscountType": "DiscountPercent", "Amount": 0},
        {"MinValue": 10, "MaxValue": 24, "DiscountType": "DiscountPercent", "Amount": "12.5"},
        {"MinValue": "24.5", "MaxValue": 0, "DiscountType": "DiscountAmount", "Amount": 3},
    ],
    "Override": [{"MinValue": 12, "MaxValue": 0, "DiscountType": "PriceOverride", "Amount": 4}],
    "Mixed": [  # a break at 5, and a markup Shopify's breaks cannot express
        {"MinValue": 5, "MaxValue": 19, "DiscountType": "DiscountPercent", "Amount": 5},
        {"MinValue": 20, "MaxValue": 0, "DiscountType": "MarkupAmount", "Amount": 1},
    ],
}
PRODUCTS = {  # SKU -> (Shopify variant price, tier 1, tier 2, discount rule, carton quantity)
    "A": ("15.00", "10", "9", "Volume", 0),
    "B": ("25.00", "20", "18", "Volume", 5),
    "C": ("8.00", "0", "0", "Volume", 0),  # no tier prices it: no price list, no breaks
    "D": ("7.00", "5", "4.5", "Override", 6),
    "E": ("9.00", "6", "6", "Mixed", 4),  # with cartons of 4 its break at 5 is off the pack
    "F": ("3.00", "2", "2", None, 12),
}
# SKU -> tier -> the breaks Shopify should charge, by hand from the rules above (exact decimals)
BREAKS = {
    "A": {1: {10: "8.75", 25: "7"}, 2: {10: "7.875", 25: "6"}},
    "B": {1: {10: "17.5", 25: "17"}, 2: {10: "15.75", 25: "15"}},
    "D": {1: {12: "4"}, 2: {12: "4"}},
    "E": {1: {5: "5.7"}, 2: {5: "5.7"}},
}
CARTONS = {"B": 5, "D": 6, "E": 4, "F": 12}
CUSTOMERS = {"alpha": 1, "beta": 2, "gamma": 1}


FAST_EXPORTS = BulkModel(export_startup_seconds=0, export_rows_per_second=10_000)


@pytest.fixture(autouse=True, params=["per_variant", "export"])
def volume_read(request, shopify_sandbox, monkeypatch):
    """How full runs read volume back: the managed variants 30 a request, or (the threshold lowered to
    one variant) one bulk export per price list, the sandbox's exports starting at once."""
    if request.param == "export":
        shopify_sandbox.endpoint.bulk_model = FAST_EXPORTS
        monkeypatch.setattr(VolumeWriter, "export_threshold", 1)
    return request.param


@pytest.fixture(params=["plus", "grow"])
def volume_shop(request, installed_shop, shopify_sandbox, cin7_account, sandbox_shop):
    """Products with quantity-based rules and cartons, three customers on two tiers, on Plus (direct
    catalogs) or Grow (B2B markets)."""
    cin7_account.rename_tier(1, "Wholesale")
    cin7_account.rename_tier(2, "Distributor")
    for name, lines in RULES.items():
        cin7_account.add_discount_rule(name, "QuantityBased", lines)
    products = {}
    for sku, (price, tier1, tier2, rule, carton) in PRODUCTS.items():
        fields = {"SKU": sku, "Name": sku, "PriceTier1": tier1, "PriceTier2": tier2, "CartonQuantity": carton}
        products[sku] = cin7_account.add_product({**fields, **({"DiscountRule": rule} if rule else {})})
        sandbox_shop.add_product(sku, variants=[{"sku": sku, "price": price}])
    for n, (key, tier) in enumerate(CUSTOMERS.items()):
        customer = b2b_customer(
            key.title(), f"{key}@example.com", phone=f"(415) 555-01{n:02d}", PriceTier=tier
        )
        cin7_account.add_customer(customer)
    if request.param == "plus":
        sandbox_shop.set_plan("Shopify Plus")
    else:
        token = shopify_sandbox.issue_token(installed_shop.domain, scopes=MARKET_SCOPES.split(","))
        Shop.objects.filter(pk=installed_shop.pk).update(access_token=token, scopes=MARKET_SCOPES)
    SyncSettings.objects.filter(shop=installed_shop).update(b2b_companies=True)
    installed_shop.refresh_from_db()
    return products


def set_pack_size(shop, value: str) -> None:
    SyncSettings.objects.filter(shop=shop).update(b2b_pack_size=value)


def checkout(shop, sandbox_shop) -> dict:
    """(Cin7 customer, SKU) -> (price at 1, {break minimum: price}, (rule minimum, increment, maximum)),
    as `contextualPricing` gives them at each company location."""
    api = VolumeAdmin(admin_api(shop).client)
    variants = {variant["sku"]: variant_id for variant_id, variant in sandbox_shop.variants.items()}
    found = {}
    for link in CompanyLink.objects.filter(shop=shop).exclude(location_id=""):
        volume = api.contextual_volume(sorted(variants.values()), link.location_id)
        for sku, variant_id in variants.items():
            price, held = volume[variant_id]
            found[link.cin7_id, sku] = (Decimal(price), {m: Decimal(a) for m, a in held.breaks}, held.rule)
    return found


def assert_checkout(shop, sandbox_shop, cin7_account, *, cartons: bool, breaks=BREAKS) -> None:
    """Every location and priced variant: the tier price at 1, each break's price, the quantity rule."""
    found = checkout(shop, sandbox_shop)
    customers = {cin7_id: c for cin7_id, c in cin7_account.customers.items()}
    assert len(found) == len(CUSTOMERS) * len(PRODUCTS)
    for (cin7_id, sku), (price, held_breaks, rule) in found.items():
        tier = 1 if customers[cin7_id]["PriceTier"] == "Wholesale" else 2
        retail, *tiers = PRODUCTS[sku][:3]
        expected = Decimal(tiers[tier - 1]) if Decimal(tiers[tier - 1]) > 0 else Decimal(retail)
        assert price == expected, (cin7_id, sku)
        wanted = breaks.get(sku, {}).get(tier, {})
        if cartons and sku in CARTONS:
            wanted = {m: p for m, p in wanted.items() if m % CARTONS[sku] == 0}
        assert held_breaks == {m: Decimal(p) for m, p in wanted.items()}, (cin7_id, sku)
        carton = CARTONS.get(sku) if cartons and expected != Decimal(retail) else None
        assert rule == ((carton, carton, None) if carton else (1, 1, None)), (cin7_id, sku)


def b2b_writes(sandbox, since: int) -> list[str]:
    """The mutations sent since `since`, bar bulk export starts (a read: `bulkOperationRunQuery` is a
    mutation that changes nothing in the shop)."""
    calls = sandbox.calls[since:]
    return [c.operation_name for c in calls if c.mutation and "bulkOperationRunQuery" not in c.root_fields]


def test_breaks_reach_checkout_and_a_rerun_writes_nothing(
    volume_shop, installed_shop, shopify_sandbox, sandbox_shop, cin7_account
):
    run = run_sync(installed_shop)
    assert run.status == "completed_with_issues", run.error_message
    assert_checkout(installed_shop, sandbox_shop, cin7_account, cartons=False)
    issues = {(i.code, i.sku) for i in run.issues.all()}
    assert ("b2b_discount_line_unsupported", "E") in issues  # the markup line; its break at 5 still applies
    assert not {code for code, _ in issues} & {"shopify_user_error", "b2b_break_off_pack_size"}
    assert sum(len(c.volume["variants"]) for c in ManagedCatalog.objects.exclude(volume={})) == 2 * 4
    mark = len(shopify_sandbox.calls)
    rerun = run_sync(installed_shop)
    assert rerun.stats["writes"] == 0 and b2b_writes(shopify_sandbox, mark) == []
    assert run_sync(installed_shop, full=False).stats["writes"] == 0


def test_cartons_become_quantity_rules_and_off_pack_breaks_are_reported(
    volume_shop, installed_shop, shopify_sandbox, sandbox_shop, cin7_account
):
    run_sync(installed_shop)
    set_pack_size(installed_shop, "carton")
    run = run_sync(installed_shop)
    assert_checkout(installed_shop, sandbox_shop, cin7_account, cartons=True)
    assert run.issues.filter(code="b2b_break_off_pack_size", sku="E").exists()
    assert not run.issues.filter(code="shopify_user_error").exists()
    mark = len(shopify_sandbox.calls)
    assert run_sync(installed_shop).stats["writes"] == 0 and b2b_writes(shopify_sandbox, mark) == []
    set_pack_size(installed_shop, "none")  # back to single units: the app's rules go, breaks come back
    run_sync(installed_shop)
    assert_checkout(installed_shop, sandbox_shop, cin7_account, cartons=False)


def test_a_changed_rule_changes_the_breaks_a_removed_one_clears_them_an_unknown_one_is_reported(
    volume_shop, installed_shop, sandbox_shop, cin7_account
):
    set_pack_size(installed_shop, "carton")
    run_sync(installed_shop)
    lines = [{"MinValue": 10, "MaxValue": 0, "DiscountType": "DiscountPercent", "Amount": 20}]
    cin7_account.update_discount_rule("Volume", lines=lines)
    cin7_account.update_product(volume_shop["A"], DiscountRule=None)
    cin7_account.update_discount_rule("Override", is_active=False)
    run = run_sync(installed_shop)
    changed = {"B": {1: {10: "16"}, 2: {10: "14.4"}}, "E": BREAKS["E"]}
    assert_checkout(installed_shop, sandbox_shop, cin7_account, cartons=True, breaks=changed)
    assert run.issues.filter(code="b2b_discount_rule_not_found", sku="D").exists()
    assert not run.issues.filter(code="shopify_user_error").exists()
    assert run_sync(installed_shop).stats["writes"] == 0


def test_breaks_edited_in_shopify_are_put_back_on_the_next_full_run(
    volume_shop, installed_shop, sandbox_shop, cin7_account
):
    run_sync(installed_shop)
    variant_a = next(v for v, variant in sandbox_shop.variants.items() if variant["sku"] == "A")
    for price_list in sandbox_shop.b2b.price_lists.values():
        for row in price_list.breaks.get(variant_a, {}).values():
            row["price"] = Decimal("1.00")  # a merchant's edit in the admin
    assert run_sync(installed_shop, full=False).stats["writes"] == 0  # incremental runs trust what they wrote
    run_sync(installed_shop)
    assert_checkout(installed_shop, sandbox_shop, cin7_account, cartons=False)


def test_a_preview_lists_the_breaks_it_would_change_and_writes_nothing(
    volume_shop, installed_shop, shopify_sandbox, cin7_account
):
    run_sync(installed_shop)
    cin7_account.update_product(volume_shop["A"], DiscountRule=None)
    mark = len(shopify_sandbox.calls)
    preview = run_sync(installed_shop, dry_run=True)
    assert b2b_writes(shopify_sandbox, mark) == []
    entries = [e for e in preview.plan if "price breaks" in e.get("changes", {})]
    assert {e["catalog"] for e in entries} == {"Cin7 · Wholesale", "Cin7 · Distributor"}
    assert all(e["changes"]["price breaks"] == {"set": 0, "cleared": 1} for e in entries)


def forget_volume(shop):
    ManagedCatalog.objects.filter(shop=shop).update(volume={})


def test_a_run_killed_during_volume_writes_and_rerun_ends_the_same(
    volume_shop, installed_shop, sandbox_shop, cin7_account
):
    """Killed anywhere in the writes that land breaks and rules, then run again: the same checkout as an
    uninterrupted run, nothing refused, and a rerun writes nothing; in both directions of pack sizes."""
    short = {
        sku: {t: {m: p for m, p in b.items() if m < 25} for t, b in tiers.items()}
        for sku, tiers in BREAKS.items()
    }
    run_sync(installed_shop)
    cin7_account.update_discount_rule("Volume", lines=RULES["Volume"][:2])  # breaks at 25 go
    set_pack_size(installed_shop, "carton")  # rules come: a call for breaks, then one for rules, per list
    assert killed_until_done(installed_shop, forget_volume, tries=20) >= 2
    run = run_sync(installed_shop)
    assert not run.issues.filter(code="shopify_user_error").exists()
    assert_checkout(installed_shop, sandbox_shop, cin7_account, cartons=True, breaks=short)
    assert run_sync(installed_shop).stats["writes"] == 0
    cin7_account.update_discount_rule("Volume", lines=RULES["Volume"])  # breaks at 25 come back
    set_pack_size(installed_shop, "none")  # E's break at 5 meets the carton rule unless it goes first
    assert killed_until_done(installed_shop, forget_volume, tries=20) >= 1
    run = run_sync(installed_shop)
    assert not run.issues.filter(code="shopify_user_error").exists()
    assert_checkout(installed_shop, sandbox_shop, cin7_account, cartons=False)
    assert run_sync(installed_shop).stats["writes"] == 0


def volume_reads(sandbox, since: int) -> dict[str, int]:
    """How a run read volume back: bulk exports of contextual volume, per-variant pages of price lists."""
    calls = sandbox.calls[since:]
    return {
        "exports": sum(c.operation_name == "BulkRunExport" for c in calls),
        "per_variant": sum(c.operation_name == "B2BPriceListVolumeOf" for c in calls),
    }


@pytest.mark.parametrize("volume_read", ["export"], indirect=True)
def test_the_export_puts_back_a_break_and_a_quantity_rule_edited_in_shopify(
    volume_read, volume_shop, installed_shop, shopify_sandbox, sandbox_shop, cin7_account
):
    set_pack_size(installed_shop, "carton")
    run_sync(installed_shop)
    variant = {v["sku"]: v_id for v_id, v in sandbox_shop.variants.items()}
    for price_list in sandbox_shop.b2b.price_lists.values():  # a merchant's edits in the admin
        for row in price_list.breaks.get(variant["A"], {}).values():
            row["price"] = Decimal("1.00")
        if variant["B"] in price_list.quantity_rules:
            price_list.quantity_rules[variant["B"]] = {"minimum": 5, "increment": 1, "maximum": 50}
    mark = len(shopify_sandbox.calls)
    assert run_sync(installed_shop).stats["writes"] > 0
    assert volume_reads(shopify_sandbox, mark) == {"exports": 2, "per_variant": 0}  # one per tier list
    assert_checkout(installed_shop, sandbox_shop, cin7_account, cartons=True)
    mark = len(shopify_sandbox.calls)
    assert run_sync(installed_shop).stats["writes"] == 0 and b2b_writes(shopify_sandbox, mark) == []
    assert volume_reads(shopify_sandbox, mark) == {"exports": 2, "per_variant": 0}


@pytest.mark.parametrize("volume_read", ["export"], indirect=True)
def test_below_the_threshold_full_runs_read_per_variant(
    volume_read, volume_shop, installed_shop, shopify_sandbox, monkeypatch
):
    run_sync(installed_shop)
    monkeypatch.setattr(VolumeWriter, "export_threshold", 5)  # 4 variants with volume on each list
    mark = len(shopify_sandbox.calls)
    assert run_sync(installed_shop).stats["writes"] == 0
    assert volume_reads(shopify_sandbox, mark) == {"exports": 0, "per_variant": 2}


@pytest.mark.parametrize("volume_read", ["export"], indirect=True)
def test_killed_while_exporting_the_rerun_reads_again_past_stale_operations(
    volume_read, volume_shop, installed_shop, shopify_sandbox, sandbox_shop, cin7_account, monkeypatch
):
    """A run killed while its exports run leaves them running: with them and others filling Shopify's five
    slots, the rerun waits for a slot, exports again and puts the edit back; then nothing to write."""
    run_sync(installed_shop)
    variant_a = next(v for v, variant in sandbox_shop.variants.items() if variant["sku"] == "A")
    for price_list in sandbox_shop.b2b.price_lists.values():
        for row in price_list.breaks.get(variant_a, {}).values():
            row["price"] = Decimal("1.00")

    def killed(*args, **kwargs):
        raise WriteLimitReached("killed while waiting for the export")

    with monkeypatch.context() as patch:
        patch.setattr(VolumeExports, "held", killed)
        with pytest.raises(WriteLimitReached):
            run_sync(installed_shop)
    SyncRun.objects.filter(status="running").update(heartbeat_at="2020-01-01T00:00:00Z")
    client = admin_api(installed_shop).client
    for _ in range(3):  # two left running by the killed run, three more: five, Shopify's limit
        start_bulk_query(client, document("bulk_variants"))
    stale = [op for op in sandbox_shop.bulk_operations if op.type == "QUERY"][-5:]
    assert sum("contextualPricing" in op.query for op in stale) == 2
    for operation in stale:  # still running: they finish a little after the rerun reaches its volume read
        operation.completed_at = sandbox_shop.clock.now() + 4
    monkeypatch.setattr(b2b_volume_export, "START_RETRY_SECONDS", 1.0)
    mark = len(shopify_sandbox.calls)
    run = run_sync(installed_shop)
    assert run.stats["writes"] > 0 and not run.issues.filter(code="shopify_user_error").exists()
    assert volume_reads(shopify_sandbox, mark)["exports"] > 2  # refused (LIMIT_REACHED), waited, started
    assert_checkout(installed_shop, sandbox_shop, cin7_account, cartons=False)
    mark = len(shopify_sandbox.calls)
    assert run_sync(installed_shop).stats["writes"] == 0 and b2b_writes(shopify_sandbox, mark) == []


@pytest.mark.parametrize("volume_shop", ["plus"], indirect=True)  # direct catalogs: Plus only
@pytest.mark.parametrize("volume_read", ["export"], indirect=True)
def test_a_list_without_a_location_it_alone_prices_is_read_per_variant(
    volume_read, volume_shop, installed_shop, shopify_sandbox, sandbox_shop
):
    """On Plus a merchant put the Wholesale locations in the Distributor catalog too: their contextual
    pricing is no longer the Wholesale list alone, so that list is read per variant; the other exports."""
    run_sync(installed_shop)
    rows = {row.key: row for row in ManagedCatalog.objects.filter(shop=installed_shop)}
    links = CompanyLink.objects.filter(shop=installed_shop)
    wholesale = [link.location_id for link in links if "tier:1" in (link.written.get("catalogs") or [])]
    assert len(wholesale) == 2
    sandbox_shop.b2b.catalogs[rows["tier:2"].catalog_id].location_ids.extend(wholesale)
    mark = len(shopify_sandbox.calls)
    assert run_sync(installed_shop).stats["writes"] == 0
    assert volume_reads(shopify_sandbox, mark) == {"exports": 1, "per_variant": 1}
