"""The sync benchmark of one size, run in a process of its own (see `manage.py bench_sync`).

The sandboxes run in a forked child process so CPU time and peak RSS measured here are the app's alone.
Both processes share a `SharedVirtualClock`: waiting for Shopify's bucket (2000 points, 100 points/s) or
for Cin7's 60 calls/minute advances modelled time instantly, so hours of API pacing run in seconds and
"modelled wall time" is exactly what a real run would wait.
"""

import functools
import math
import multiprocessing
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import connection

from connectors.clock import SharedVirtualClock
from connectors.sandbox_process import SandboxProcess
from connectors.shopify.b2b_volume import VolumeAdmin
from syncs.b2b.volume_writer import price_break_count

from ..install.setup import after_install
from ..models import Cin7Connection, CompanyLink, ManagedCatalog, RunKind, RunTrigger, Shop, SyncSettings
from ..runs.control import claim_run, start_run
from ..runs.stores import ROWS_PER_FETCH
from ..shopify_api import admin_api
from .memory import PhaseMemory, stop_query_log
from .root_costs import counting_root_fields, top

BENCH_SETTINGS = {
    "customer_tags": ["b2b"],
    "group_mappings": [{"tag": "VIP", "group": "VIP"}, {"tag": "Gold", "group": "Gold"}],
    "tax_exempt_rules": ["Tax Exempt", "GST Free Exports"],
    "send_invites": False,
}
RESTORE_RATE = 100  # points per second: a standard plan (FACTS §5)
# Shopify catalogues also sell what Cin7 does not price: a quarter more variants (20,000 products in Cin7,
# about 25,000 variants in Shopify), read by every full pricing run and never written.
SHOPIFY_ONLY_VARIANTS_SHARE = 0.25


@contextmanager
def counting_queries():
    counter = {"queries": 0}

    def count(execute, sql, params, many, context):
        counter["queries"] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield counter


B2B_PLANS = {"plus": "Shopify Plus", "grow": "Grow"}  # direct catalogs / B2B markets (docs/b2b.md)


def run_benchmark(
    customers: int,
    products: int,
    seed: int = 0,
    *,
    b2b: bool = False,
    b2b_plan: str = "plus",
    missing_sku_share: float = 0.0,
    branch_share: float | None = None,
) -> dict:
    """Full sync, rerun without change, rerun after 1 % changed, full rerun without change, full run after
    1 % of the customers were edited in Shopify; every figure the report prints. With `b2b`, then native
    B2B turned on (`b2b_plan`: "plus" direct catalogs, "grow" B2B markets): its first full run, a full
    rerun without change (and what its volume read cost), and a full run with pack sizes turned on.
    `missing_sku_share`: that share of customer-price SKUs is absent from Shopify; `branch_share`: that
    share of the customers are branches of a head office (default about 3 %)."""
    clock = SharedVirtualClock(multiprocessing.get_context("fork").Value("d", 0.0))
    sandboxes = SandboxProcess(
        customers=customers,
        products=products,
        shopify_only_variants=int(products * SHOPIFY_ONLY_VARIANTS_SHARE),
        seed=seed,
        api_key=settings.SHOPIFY_API_KEY,
        api_secret=settings.SHOPIFY_API_SECRET,
        clock=clock,
        branch_share=branch_share,
    )
    info = sandboxes.info
    shop = install_bench_shop(sandboxes, info)
    missing_skus = sandboxes.call("missing_customer_skus", missing_sku_share) if missing_sku_share else 0
    stop_query_log()
    memory = PhaseMemory()
    try:
        measure = functools.partial(measure_phase, shop, sandboxes, clock, memory)
        phases = _phases(measure, sandboxes, shop, customers, b2b_plan if b2b else None, clock)
    finally:
        sandboxes.stop()
    return {
        "customers": customers,
        "products": products,
        "summary": info["summary"],
        "b2b_plan": B2B_PLANS[b2b_plan] if b2b else "",
        "missing_customer_skus": missing_skus,
        "phases": phases,
        "peak_rss_mb": memory.finish(),
        "cin7_floor": {
            "customers": math.ceil(customers / 1000),
            "customers_with_prices": math.ceil(customers / 500),
            "products": math.ceil(products / 1000),
            "fixed": 1,
        },
    }


def _phases(measure, sandboxes, shop: Shop, customers: int, b2b_plan: str | None, clock) -> list[dict]:
    """The benchmark's phases in order, each measured by `measure(name, full=…)` on the modelled `clock`."""
    phases = [measure("first full sync", full=True), measure("rerun, no change", full=False)]
    changed = sandboxes.call("change", 0.01)
    changed_phase = measure("rerun after 1% changed", full=False)
    changed_phase["changed_records"] = changed["customers"] + changed["products"]
    phases.append(changed_phase)
    phases.append(measure("full rerun, no change", full=True))
    edited = sandboxes.call("edit_shopify", max(1, customers // 100))
    edited_phase = measure(f"full run after {edited} Shopify-side edits", full=True)
    edited_phase["edited_records"] = edited
    phases.append(edited_phase)
    if b2b_plan is not None:
        sandboxes.call("b2b_plan", B2B_PLANS[b2b_plan])
        SyncSettings.objects.filter(shop=shop).update(b2b_companies=True)
        phases.append(measure("B2B first full sync", full=True))
        phases[-1]["b2b"] = b2b_figures(shop)
        phases.append(measure("B2B rerun, no change", full=True))
        phases[-1]["b2b_volume_read"] = volume_read(shop, clock)
        SyncSettings.objects.filter(shop=shop).update(b2b_pack_size="carton")
        phases.append(measure("B2B pack sizes on (carton)", full=True))
        phases[-1]["b2b"] = b2b_figures(shop)
    return phases


def measure_phase(shop: Shop, sandboxes, clock, memory: PhaseMemory, name: str, *, full: bool) -> dict:
    """One scheduled run (as production runs them every few minutes and every day), measured (its
    memory by `memory`)."""
    from ..runs.execute import execute

    writes_before = sandboxes.call("writes")
    run = claim_run(
        start_run(shop, kind=RunKind.ALL, full=full, dry_run=False, trigger=RunTrigger.SCHEDULE).pk
    )
    cpu, real, modelled = time.process_time(), time.monotonic(), clock.now()
    started = modelled
    rss = memory.start()
    with counting_queries() as queries, counting_root_fields() as by_root:
        execute(run, clock=clock)
    rss = memory.stop(rss)
    real, cpu, modelled = time.monotonic() - real, time.process_time() - cpu, clock.now() - modelled
    run.refresh_from_db()
    stats = run.stats
    records = run.counts["read"]
    cost = stats.get("shopify_cost", 0)
    return {
        "phase": name,
        "status": run.status,
        "counts": run.counts,
        "cin7_calls": stats.get("cin7_calls", 0),
        "cin7_by_endpoint": stats.get("cin7_by_endpoint", {}),
        "shopify_requests": stats.get("shopify_requests", 0),
        "shopify_writes": sandboxes.call("writes") - writes_before,
        "shopify_cost": cost,
        "shopify_throttled": stats.get("shopify_throttled", 0),
        "modelled_seconds": round(modelled, 1),
        "floor_seconds": round(cost / RESTORE_RATE, 1),
        "bulk_seconds": round(sandboxes.call("bulk_seconds", started), 1),
        "cin7_floor_seconds": round(stats.get("cin7_calls", 0) * 60 / settings.CIN7_CALLS_PER_MINUTE, 1),
        "real_seconds": round(real, 2),
        "cpu_ms_per_record": round(cpu * 1000 / records, 3) if records else 0.0,
        "queries_per_record": round(queries["queries"] / records, 3) if records else 0.0,
        "records": records,
        "rss": rss,
        "cost_by_root_field": top(by_root),
    }


def install_bench_shop(sandboxes, info: dict) -> Shop:
    """The sandbox shop installed with the scopes the app asks for (markets included), Cin7 connected."""
    settings.CIN7_API_URL = info["cin7_url"]
    settings.SHOPIFY_ADMIN_URL = info["admin_url_template"]
    granted = tuple(settings.SHOPIFY_SCOPES.split(","))
    shop = Shop.objects.create(domain=info["shop"], access_token=sandboxes.call("token", granted))
    after_install(shop)
    Cin7Connection.objects.create(shop=shop, account_id=info["account_id"], api_key=info["api_key"])
    SyncSettings.objects.filter(shop=shop).update(**BENCH_SETTINGS)
    return Shop.objects.get(pk=shop.pk)


def b2b_figures(shop: Shop) -> dict:
    """What the B2B phase made: companies (a head office and its branches are one), locations, catalogs
    (B2B markets below Plus), fixed prices, price breaks and quantity rules."""
    catalogs = ManagedCatalog.objects.filter(shop=shop).exclude(catalog_id="")
    price_rows = breaks = rules = 0
    for prices, volume in catalogs.values_list("prices", "volume").iterator(ROWS_PER_FETCH):
        price_rows += len(prices)
        breaks += price_break_count(volume)
        rules += sum(1 for state in (volume.get("variants") or {}).values() if state["pack_size"])
    return {
        "companies": CompanyLink.objects.filter(shop=shop)
        .exclude(company_id="")
        .values("company_id")
        .distinct()
        .count(),
        "locations": CompanyLink.objects.filter(shop=shop).exclude(location_id="").count(),
        "catalogs": catalogs.count(),
        "markets": catalogs.exclude(market_id="").count(),
        "price_rows": price_rows,
        "price_breaks": breaks,
        "quantity_rules": rules,
    }


def volume_read(shop: Shop, clock) -> dict:
    """What the per-variant comparison with Shopify would cost (the breaks of the variants with volume and
    every rule, per tier price list; a run takes it below the export threshold), and what reading the whole
    price lists would. Throttle waits go on the benchmark's modelled `clock` (the whole lists cost about 4
    points a fixed price)."""
    rows = (
        ManagedCatalog.objects.filter(shop=shop)
        .exclude(price_list_id="")
        .values_list("price_list_id", "volume")
    )
    lists = [(pid, volume) for pid, volume in rows.iterator(ROWS_PER_FETCH) if (volume or {}).get("variants")]
    figures = {"price_lists": len(lists)}
    for name in ("managed", "whole"):
        admin = VolumeAdmin(admin_api(shop, clock=clock).client)
        for price_list_id, volume in lists:
            if name == "managed":
                admin.volume_of(price_list_id, volume.get("variants") or {})
            else:
                admin.volume(price_list_id)
        figures[name] = {"requests": admin.client.stats.requests, "cost": admin.client.stats.actual_cost}
    return figures
