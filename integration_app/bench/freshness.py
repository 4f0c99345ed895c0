"""The freshness benchmark (`manage.py bench_freshness`): time from a Cin7 edit to its Shopify write.

Real: the Cin7 sandbox delivers each edit over HTTP, after its configured first-attempt delay, to the app
served on loopback; the app checks the token and wakes a coalesced incremental run; `WORKERS` worker
threads take tasks from django-q2's ORM broker (polling it every `POLL` seconds, as a qcluster worker
does) and run them, and one more thread runs django-q2's scheduler every `SCHEDULER_EVERY` seconds, as the
cluster's guard does (a wake of a long burst is a schedule); the run reads Cin7 and writes Shopify
sandbox. The clock is real time throughout.
Modelled: scheduled polling, which is not waited for: an edit lands at a uniformly random moment of the
interval, waits for the next tick, then takes one measured incremental run.
"""

import random
import statistics
import threading
import time
from decimal import Decimal
from pydoc import locate

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import OrmQ, Schedule
from django_q.scheduler import scheduler

from connectors.cin7.sandbox import Cin7Sandbox, Cin7Store, ThrottleConfig
from connectors.shopify.sandbox import ShopifySandbox

from .. import cin7_registration
from ..install.setup import after_install
from ..models import Cin7Connection, RunStatus, Shop, SyncRun, SyncSettings
from ..runs.control import claim_run, start_run
from ..runs.execute import execute
from .local_server import LocalAppServer

SHOP = "freshness-bench.myshopify.com"
WORKERS = 2
POLL = 0.2  # django-q2's default ORM broker poll (seconds)
SCHEDULER_EVERY = 30.0  # django-q2's cluster runs its scheduler every 30 s


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


class _Workers:
    """Threads that run queued django-q2 tasks, each claimed by deleting its broker row, and one that runs
    the scheduler (which queues due schedules)."""

    def __init__(self, count: int):
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._work, daemon=True) for _ in range(count)]
        self._threads.append(threading.Thread(target=self._schedule, daemon=True))

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _work(self) -> None:
        try:
            while not self._stop.wait(POLL):
                for queued in OrmQ.objects.order_by("id")[:5]:
                    if OrmQ.objects.filter(pk=queued.pk).delete()[0]:
                        task = queued.task
                        locate(task["func"])(*task["args"], **task["kwargs"])
        finally:
            connection.close()

    def _schedule(self) -> None:
        try:
            while not self._stop.wait(SCHEDULER_EVERY):
                scheduler(broker=get_broker())
        finally:
            connection.close()


def _setup(cin7: Cin7Sandbox, shopify: ShopifySandbox, records: int):
    account = cin7.store.add_account(company="Freshness Bench")
    account.add_tax_rule("Sales Tax", percent=8)
    sandbox_shop = shopify.add_shop(SHOP, name="Freshness Bench", currency="USD")
    customers, products = [], []
    for n in range(records):
        email = f"buyer{n}@bench.example"
        customers.append(
            (
                account.add_customer(
                    {
                        "Name": f"Buyer {n}",
                        "Tags": "b2b",
                        "Contacts": [{"Name": f"Buyer {n}", "Email": email, "Default": True}],
                    }
                ),
                email,
            )
        )
        sku = f"SKU-{n:05d}"
        products.append((account.add_product({"SKU": sku, "Name": sku, "PriceTier1": 10}), sku))
        sandbox_shop.add_product(sku, variants=[{"sku": sku}])
    shop = Shop.objects.create(domain=SHOP, access_token=shopify.issue_token(SHOP))
    after_install(shop)
    Cin7Connection.objects.create(shop=shop, account_id=account.account_id, api_key=account.api_key)
    SyncSettings.objects.filter(shop=shop).update(customer_tags=["b2b"], send_invites=False)
    shop = Shop.objects.get(pk=shop.pk)
    execute(claim_run(start_run(shop, kind="all", full=True, dry_run=False, trigger="command").pk))
    Cin7Connection.objects.filter(shop=shop).update(verified_at=timezone.now())
    return account, sandbox_shop, shop, customers, products


def _written(sandbox_shop, edit) -> bool:
    kind, record, expected = edit
    if kind == "customer":
        customer = next((c for c in sandbox_shop.customers.values() if c.email == record), None)
        metafield = customer and customer.metafields.get(("cin7", "credit_limit"))
        return bool(metafield) and metafield.value == expected
    variant = next(v for v, data in sandbox_shop.variants.items() if data["sku"] == record)
    metafield = sandbox_shop.metafield(variant, "cin7", "price_tiers")
    return bool(metafield) and expected in metafield["value"]


def _measure(account, sandbox_shop, customers, products, edits, spacing, offset) -> list[float]:
    """Edit alternately a customer and a product every `spacing` seconds; time each to its write."""
    pending, latencies = [], []
    for n in range(edits):
        value = Decimal(1000 + offset + n)
        if n % 2 == 0:
            customer_id, email = customers[(offset + n) % len(customers)]
            account.update_customer(customer_id, CreditLimit=value)
            pending.append((time.time(), ("customer", email, f"{value}.00")))
        else:
            product_id, sku = products[(offset + n) % len(products)]
            account.update_product(product_id, PriceTier1=value)
            pending.append((time.time(), ("product", sku, f'"{value}.00"')))
        deadline = time.time() + spacing
        while time.time() < deadline or (n == edits - 1 and pending):
            for item in list(pending):
                if _written(sandbox_shop, item[1]):
                    latencies.append(time.time() - item[0])
                    pending.remove(item)
            if n == edits - 1 and pending and time.time() > deadline + 600:
                raise RuntimeError(f"{len(pending)} edits never reached Shopify")
            time.sleep(0.05)
    return latencies


def run_freshness(delays: list[float], edits: int, spacing: float, records: int, interval_min: int) -> dict:
    """Measure each delay; return the figures (seconds)."""
    store = Cin7Store(seed=0)
    results = []
    with (
        Cin7Sandbox(store, throttle=ThrottleConfig()) as cin7,
        ShopifySandbox(api_key=settings.SHOPIFY_API_KEY, api_secret=settings.SHOPIFY_API_SECRET) as shopify,
    ):
        server = LocalAppServer().start()
        settings.APP_URL, settings.CIN7_API_URL = server.url, cin7.base_url
        settings.SHOPIFY_ADMIN_URL = shopify.admin_url_template
        try:
            account, sandbox_shop, shop, customers, products = _setup(cin7, shopify, records)
            hooks = cin7_registration.register(shop)
            if hooks.status != "active":
                raise RuntimeError(f"Cin7 webhooks not registered: {hooks.reason}")
            # Polling is modelled, not run: the scheduler only ever finds the webhook wakes' schedules.
            Schedule.objects.all().delete()
            with _Workers(WORKERS):
                for index, delay in enumerate(delays):
                    store.deliveries.timing.first_delay = delay
                    runs_before = SyncRun.objects.filter(trigger="webhook").count()
                    latencies = _measure(
                        account, sandbox_shop, customers, products, edits, spacing, index * 100
                    )
                    # After Cin7's first attempt; an edit an earlier delivery's run already read counts 0.
                    app_part = [max(0.0, latency - delay) for latency in latencies]
                    results.append(
                        {
                            "delay": delay,
                            "edits": edits,
                            "p50": round(statistics.median(latencies), 1),
                            "p95": round(percentile(latencies, 0.95), 1),
                            "max": round(max(latencies), 1),
                            "app_p50": round(statistics.median(app_part), 1),
                            "app_p95": round(percentile(app_part, 0.95), 1),
                            "runs": SyncRun.objects.filter(trigger="webhook").count() - runs_before,
                        }
                    )
        finally:
            server.stop()
    with transaction.atomic():
        durations = [
            (run.finished_at - run.started_at).total_seconds()
            for run in SyncRun.objects.filter(trigger="webhook", status=RunStatus.SUCCEEDED)
        ]
    rng = random.Random(0)
    polled = [rng.uniform(0, interval_min * 60) + rng.choice(durations) for _ in range(10_000)]
    results.append(
        {
            "delay": None,
            "edits": len(polled),
            "p50": round(statistics.median(polled), 1),
            "p95": round(percentile(polled, 0.95), 1),
            "max": round(max(polled), 1),
            "interval_min": interval_min,
            "run_p50": round(statistics.median(durations), 2),
        }
    )
    return {"records": records, "spacing": spacing, "results": results}
