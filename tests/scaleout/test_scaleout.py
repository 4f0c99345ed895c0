"""Scale-out (contract §4 "At most one run per shop at a time; shops run in parallel on the workers"):
two `manage.py qcluster` processes on one PostgreSQL database and one Redis broker, with the production
settings, run every shop's due schedule exactly once, spread over both clusters, never two runs of a shop
at a time, and no duplicate customer lands in Shopify."""

import json
import os
import time
from collections import Counter

import pytest
from django.conf import settings

from connectors.cin7.sandbox import Cin7Sandbox, Cin7Store, ThrottleConfig
from connectors.cin7.sandbox.limits import FaultConfig
from connectors.shopify.sandbox import ShopifySandbox
from integration_app.bench.fleet.cluster import start_cluster, stop_clusters
from tests.helpers import b2b_customer
from tests.processes import last_json_line, run_python

pytestmark = [pytest.mark.scaleout, pytest.mark.slow]

SHOPS = 6
CUSTOMERS_PER_SHOP = 4
FINISHED = ("succeeded", "completed_with_issues", "failed")
DEADLINE = 150  # seconds; a cluster's scheduler first looks at schedules 30 s after it starts


def domain(n: int) -> str:
    return f"scale-shop-{n}.myshopify.com"


@pytest.fixture(scope="module")
def sandboxes():
    """Both sandboxes in this process on free ports; every Cin7 call takes 0.15 s (runs overlap)."""
    store = Cin7Store(seed=7)
    shopify = ShopifySandbox(api_key=settings.SHOPIFY_API_KEY, api_secret=settings.SHOPIFY_API_SECRET, seed=7)
    cin7 = Cin7Sandbox(
        store, throttle=ThrottleConfig(limit=None), faults=FaultConfig(slow_every=1, slow_seconds=0.15)
    )
    with cin7, shopify:
        shops = []
        for n in range(SHOPS):
            account_id, api_key = (
                f"acc00000-0000-4000-8000-00000000000{n}",
                f"key00000-0000-4000-8000-00000000000{n}",
            )
            account = store.add_account(account_id=account_id, api_key=api_key, company=f"Wholesale {n}")
            for i in range(CUSTOMERS_PER_SHOP):
                account.add_customer(
                    b2b_customer(f"Buyer{i}", f"buyer{i}@shop{n}.example", phone=f"(415) 555-01{n}{i}")
                )
            shopify.add_shop(domain(n), name=f"Shop {n}", customer_accounts="CLASSIC")
            shops.append(
                {
                    "domain": domain(n),
                    "token": shopify.issue_token(domain(n)),
                    "cin7_account_id": account_id,
                    "cin7_api_key": api_key,
                }
            )
        yield cin7, shopify, shops


def production_env(postgres_server, redis_server, cin7, shopify) -> dict:
    """The environment a deployment sets (contract §1), pointed at the servers and sandboxes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "Q_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "integration_app.settings",
            "DEBUG": "false",
            "SECRET_KEY": settings.SECRET_KEY,
            "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
            "SHOPIFY_API_KEY": settings.SHOPIFY_API_KEY,
            "SHOPIFY_API_SECRET": settings.SHOPIFY_API_SECRET,
            "SHOPIFY_ADMIN_URL": shopify.admin_url_template,
            "CIN7_API_URL": cin7.base_url,
            "CIN7_CALLS_PER_MINUTE": "6000",
            "DATABASE_URL": postgres_server.url,
            "REDIS_URL": redis_server,
            "APP_URL": "http://127.0.0.1:8000",
            "EMAIL_URL": "memorymail://",
            "Q_WORKERS": "2",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def test_two_clusters_run_every_shop_once_and_never_twice_at_a_time(
    postgres_server, redis_server, sandboxes, tmp_path
):
    started = time.monotonic()
    timings = {}
    cin7, shopify, shops = sandboxes
    env = production_env(postgres_server, redis_server, cin7, shopify)
    # The shops' default interval; every first (full) run due at once.
    plan = {"interval_minutes": 15, "lead_seconds": -1, "spread_seconds": 0, "shops": shops}
    setup = run_python("-m", "integration_app.bench.fleet.setup", env=env, stdin=json.dumps(plan))
    prepared = last_json_line(setup.stdout)
    assert (prepared["shops"], prepared["schedules"]) == (SHOPS, 2 * SHOPS)

    timings["setup"] = time.monotonic() - started
    logs = [tmp_path / "qcluster-1.log", tmp_path / "qcluster-2.log"]
    clusters = [start_cluster(env, log) for log in logs]
    samples, overlapping = 0, []
    try:
        with postgres_server.connect() as db:
            deadline = time.monotonic() + DEADLINE
            while True:
                # Sample the runs while the clusters work: never two active runs of one shop.
                rows = db.execute(
                    "SELECT shop_id, count(*) FROM integration_app_syncrun "
                    "WHERE status IN ('queued', 'running') GROUP BY shop_id"
                ).fetchall()
                samples += 1
                overlapping += [row for row in rows if row[1] > 1]
                finished = db.execute(
                    "SELECT count(DISTINCT shop_id) FROM integration_app_syncrun WHERE status = ANY(%s)",
                    [list(FINISHED)],
                ).fetchone()[0]
                saved = db.execute(
                    "SELECT count(*) FROM django_q_task WHERE func = 'integration_app.tasks.scheduled_sync'"
                ).fetchone()[0]
                if rows and "first run" not in timings:
                    timings["first run"] = time.monotonic() - started
                if finished == SHOPS and not rows and saved >= SHOPS:
                    timings["all done"] = time.monotonic() - started
                    break
                for cluster, log in zip(clusters, logs, strict=True):
                    assert cluster.poll() is None, f"qcluster exited:\n{log.read_text()[-4000:]}"
                assert time.monotonic() < deadline, "runs did not finish:\n" + logs[0].read_text()[-4000:]
                time.sleep(0.1)
            time.sleep(1.5)  # a duplicate tick, if any, would start a second run now

            runs = db.execute(
                "SELECT s.domain, r.status, r.trigger, r.full, r.started_at, r.finished_at, r.counts, "
                "(SELECT string_agg(i.code || ': ' || i.message, '; ') FROM integration_app_syncissue i "
                "WHERE i.run_id = r.id) "
                "FROM integration_app_syncrun r JOIN integration_app_shop s ON s.id = r.shop_id ORDER BY r.id"
            ).fetchall()
            tasks = db.execute(
                'SELECT "group", success, result FROM django_q_task '
                "WHERE func = 'integration_app.tasks.scheduled_sync'"
            ).fetchall()
            index = db.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'one_active_run_per_shop'"
            ).fetchone()
            # The database itself refuses a second active run of a shop.
            shop_id = db.execute("SELECT id FROM integration_app_shop ORDER BY id LIMIT 1").fetchone()[0]
            insert = (
                'INSERT INTO integration_app_syncrun (shop_id, kind, trigger, "full", dry_run, status, '
                "created_at, counts, stats, error_code, error_message, plan) VALUES "
                "(%s, 'all', 'manual', false, false, 'queued', now(), '{}', '{}', '', '', '[]')"
            )
            db.execute(insert, [shop_id])
            import psycopg

            with pytest.raises(psycopg.errors.UniqueViolation):
                db.execute(insert, [shop_id])
    finally:
        stop_clusters(clusters)
    outputs = [log.read_text() for log in logs]
    timings["stopped"] = time.monotonic() - started
    print("scale-out timings (s):", {k: round(v, 1) for k, v in timings.items()})

    # Every shop ran exactly once, for its one due trigger (the full schedule), and succeeded.
    assert samples > 5 and overlapping == []
    assert sorted(r[0] for r in runs) == sorted(domain(n) for n in range(SHOPS))
    for shop_domain, status, trigger, full, _, _, counts, issues in runs:
        assert (status, trigger, full) == ("succeeded", "schedule", True), (shop_domain, issues)
        assert counts["created"] == CUSTOMERS_PER_SHOP
    assert "one_active_run_per_shop" in index[0] and "WHERE" in index[0]
    # One task per schedule, all successful (django-q's task history).
    assert len(tasks) == SHOPS and all(success for _, success, _ in tasks)
    assert Counter(group for group, _, _ in tasks) == Counter(
        f"cin7-sync {domain(n)} full" for n in range(SHOPS)
    )
    # Both clusters did work, and shops ran in parallel.
    processed = [
        sum("processing" in line and "scheduled_sync" in line for line in out.splitlines()) for out in outputs
    ]
    assert sum(processed) == SHOPS and all(processed), processed
    intervals = sorted((r[4], r[5]) for r in runs)
    assert any(intervals[i + 1][0] < intervals[i][1] for i in range(len(intervals) - 1)), "no runs overlapped"
    # Shopify: exactly the Cin7 customers, no duplicate.
    for n in range(SHOPS):
        emails = [c.email.lower() for c in shopify.find_shop(domain(n)).customers.values()]
        assert sorted(emails) == sorted(f"buyer{i}@shop{n}.example" for i in range(CUSTOMERS_PER_SHOP))
    # The health check of a web process configured the same way is green.
    probe = run_python("-c", HEALTH_PROBE, env=env, timeout=60)
    assert last_json_line(probe.stdout) == [200, {"database": "ok", "queue": "ok"}]
    assert time.monotonic() - started < DEADLINE


HEALTH_PROBE = """
import json
import django
django.setup()
from django.test import Client
response = Client().get("/healthz", HTTP_HOST="127.0.0.1")
print(json.dumps([response.status_code, response.json()]))
"""
