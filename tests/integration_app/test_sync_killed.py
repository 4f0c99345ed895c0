"""A real kill: `manage.py sync` in its own process (or a `qcluster` worker), SIGKILLed or stopped mid-run,
then run again (contract §4 "Killed at any point and run again, a sync ends in the same Shopify state with
no duplicate customer"; "a run whose process is gone frees the shop at once"). The sandboxes run in this
process; the command reaches them over HTTP and keeps its runs in a file SQLite database of its own."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from django.conf import settings

from integration_app.bench.fleet.cluster import start_cluster, stop_clusters
from tests.conftest import CIN7_ACCOUNT, CIN7_KEY, SHOP
from tests.helpers import b2b_customer
from tests.processes import run_python, stop

pytestmark = pytest.mark.slow

CLEAN_SHOP = "clean-supply.myshopify.com"
CUSTOMERS = 60

SETUP = """
import sys
import django
django.setup()
from django.core.management import call_command
from integration_app.models import Cin7Connection, Shop, SyncSettings
from integration_app.install.setup import after_install

call_command("migrate", verbosity=0)
account, key, *shops = sys.argv[1:]
for domain, token in zip(shops[::2], shops[1::2]):
    shop = Shop.objects.create(domain=domain, access_token=token)
    assert after_install(shop)
    Cin7Connection.objects.create(shop=shop, account_id=account, api_key=key)
    SyncSettings.objects.filter(shop=shop).update(
        customer_tags=["b2b"],
        group_mappings=[{"tag": "VIP", "group": "VIP"}],
        tax_exempt_rules=["Tax Exempt"],
    )
"""


@pytest.fixture
def command_env(tmp_path, cin7_server, shopify_sandbox):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "integration_app.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}",
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "SHOPIFY_API_KEY": settings.SHOPIFY_API_KEY,
        "SHOPIFY_API_SECRET": settings.SHOPIFY_API_SECRET,
        "SHOPIFY_ADMIN_URL": shopify_sandbox.admin_url_template,
        "APP_URL": settings.APP_URL,
        "CIN7_API_URL": cin7_server.base_url,
        "CIN7_CALLS_PER_MINUTE": "1000",
        "EMAIL_URL": "memorymail://",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    return env


@pytest.fixture
def two_shops(command_env, cin7_account, shopify_sandbox, sandbox_shop):
    """The shop under test and a twin that gets one clean run, both installed in the command's database."""
    clean = shopify_sandbox.add_shop(CLEAN_SHOP, name="Clean", email="owner@clean.example", currency="USD")
    for shop in (sandbox_shop, clean):
        shop.add_customer(email="adopt@example.com", tags=["merchant"])
    for n in range(CUSTOMERS):
        tags = "b2b,VIP" if n % 3 == 0 else "b2b"
        cin7_account.add_customer(b2b_customer(f"Buyer {n}", f"k{n}@example.com", tags=tags, phone=None))
    cin7_account.add_customer(b2b_customer("Adopt Me", "adopt@example.com", phone=None))
    for n in range(30):
        cin7_account.add_product({"SKU": f"SKU-{n}", "Name": f"P{n}", "PriceTier1": 10 + n})
        for shop in (sandbox_shop, clean):
            shop.add_product(f"P{n}", variants=[{"sku": f"SKU-{n}"}])
    tokens = [SHOP, shopify_sandbox.issue_token(SHOP), CLEAN_SHOP, shopify_sandbox.issue_token(CLEAN_SHOP)]
    run_python("-c", SETUP, CIN7_ACCOUNT, CIN7_KEY, *tokens, env=command_env)
    return sandbox_shop, clean


def sync_args(shop, *args):
    return ["manage.py", "sync", shop, "--no-progress", *args]


def run_command(env, shop, *args):
    done = run_python(*sync_args(shop, *args), env=env, timeout=300, must_succeed=False)
    return done.returncode, done.stdout + done.stderr


def start_and_stop_after(env, shopify_sandbox, writes, how):
    """Start the command, wait until it has made `writes` Shopify writes, then send it `how`."""
    process = subprocess.Popen(
        [sys.executable, *sync_args(SHOP)],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while shopify_sandbox.writes(SHOP) < writes and process.poll() is None:
            if time.monotonic() > deadline:
                break
            time.sleep(0.002)
        process.send_signal(how)
        output, _ = process.communicate(timeout=60)
    finally:
        stop(process)
    return process.returncode, output


def runs(env):
    with sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///")) as db:
        return db.execute(
            "SELECT r.id, r.status, r.error_code FROM integration_app_syncrun r "
            "JOIN integration_app_shop s ON s.id = r.shop_id WHERE s.domain = ? ORDER BY r.id",
            (SHOP,),
        ).fetchall()


def update_running(env, assignments: str):
    with sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///")) as db:
        db.execute(f"UPDATE integration_app_syncrun SET {assignments} WHERE status = 'running'")  # noqa: S608


def shopify_state(shop):
    """What the app is responsible for, per customer email and per SKU, without IDs."""
    customers = {}
    for customer in shop.customers.values():
        email = customer.email.lower()
        assert email not in customers, f"duplicate customer {email}"
        metafields = {
            key: (mf.type, mf.value) for (ns, key), mf in customer.metafields.items() if ns == "cin7"
        }
        metafields.pop("cin7_id", None)
        customers[email] = {
            "name": (customer.first_name, customer.last_name, customer.phone, customer.tax_exempt),
            "tags": sorted(customer.tags),
            "addresses": [{k: v for k, v in a.items() if k != "id"} for a in customer.addresses],
            "metafields": metafields,
        }
    prices = {}
    for variant_id, variant in shop.variants.items():
        metafield = shop.metafield(variant_id, "cin7", "price_tiers")
        prices[variant["sku"]] = metafield["value"] if metafield else None
    return customers, prices


@pytest.mark.parametrize("writes", [5, 30, 60])
def test_a_sigkilled_sync_run_again_ends_in_the_clean_state(two_shops, command_env, shopify_sandbox, writes):
    shop, clean = two_shops
    code, output = run_command(command_env, CLEAN_SHOP)
    assert code == 0, output
    code, output = start_and_stop_after(command_env, shopify_sandbox, writes, signal.SIGKILL)
    assert code == -signal.SIGKILL, output
    ((_killed, status, _),) = runs(command_env)
    assert status == "running"  # killed mid-way: nothing could record its end
    # Its process ran on this host and is gone: the run at once fails it and proceeds.
    code, output = run_command(command_env, SHOP)
    assert code == 0, output
    assert [run[1:] for run in runs(command_env)] == [("failed", "worker_lost"), ("succeeded", "")]
    assert len(shop.customers) == CUSTOMERS + 1
    assert shopify_state(shop) == shopify_state(clean)
    assert "merchant" in shop.customer_by_email("adopt@example.com").tags
    before = shopify_sandbox.writes(SHOP)
    code, output = run_command(command_env, SHOP)
    assert code == 0 and shopify_sandbox.writes(SHOP) == before, output


def test_a_killed_run_recorded_on_another_host_keeps_its_lease_until_it_expires(
    two_shops, command_env, shopify_sandbox
):
    """This host cannot see another machine's processes: only the heartbeat lease frees the shop."""
    shop, clean = two_shops
    code, output = start_and_stop_after(command_env, shopify_sandbox, 5, signal.SIGKILL)
    assert code == -signal.SIGKILL, output
    update_running(command_env, "worker_host = 'worker-2.internal'")
    ((killed, _, _),) = runs(command_env)
    code, output = run_command(command_env, SHOP)
    assert code == 2 and f"Run {killed}" in output and "released at" in output, output
    update_running(command_env, "heartbeat_at = '2020-01-01 00:00:00'")  # as five quiet minutes would
    code, output = run_command(command_env, SHOP)
    assert code == 0, output
    assert [run[1:] for run in runs(command_env)] == [("failed", "worker_lost"), ("succeeded", "")]
    assert run_command(command_env, CLEAN_SHOP)[0] == 0
    assert shopify_state(shop) == shopify_state(clean)


QUEUE_RUN = """
import sys
import django
django.setup()
from django_q.tasks import async_task
from integration_app.models import Shop
from integration_app.runs.control import start_run

run = start_run(Shop.objects.get(domain=sys.argv[1]), kind="all", full=False, dry_run=False, trigger="manual")
async_task("integration_app.tasks.execute_run", run.pk)
"""


def worker_pid(env):
    with sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///")) as db:
        row = db.execute("SELECT worker_pid FROM integration_app_syncrun WHERE status = 'running'").fetchone()
    return row[0] if row else None


def test_a_qcluster_worker_killed_mid_run_frees_the_shop_at_once(
    two_shops, command_env, shopify_sandbox, tmp_path
):
    """Sync now, queued for a real `qcluster` (ORM broker); its worker process is SIGKILLed mid-run."""
    shop, clean = two_shops
    env = {**command_env, "Q_WORKERS": "1"}
    run_python("-c", QUEUE_RUN, SHOP, env=env, timeout=60)
    log = tmp_path / "qcluster.log"
    cluster = start_cluster(env, log)
    try:
        deadline = time.monotonic() + 90
        while shopify_sandbox.writes(SHOP) < 10 and time.monotonic() < deadline:
            assert cluster.poll() is None, log.read_text()[-3000:]
            time.sleep(0.002)
        pid = worker_pid(env)
        assert pid and pid != cluster.pid, log.read_text()[-3000:]
        os.kill(pid, signal.SIGKILL)  # the worker, not the cluster: its sentinel stays up
    finally:
        stop_clusters([cluster])
    ((_lost, status, _),) = runs(command_env)
    assert status == "running"  # nothing could record its end
    code, output = run_command(command_env, SHOP)  # at once: its worker is gone
    assert code == 0, output
    assert [run[1:] for run in runs(command_env)] == [("failed", "worker_lost"), ("succeeded", "")]
    assert run_command(command_env, CLEAN_SHOP)[0] == 0
    assert shopify_state(shop) == shopify_state(clean)


def test_a_terminated_sync_fails_its_run_at_once_and_the_next_one_proceeds(
    two_shops, command_env, shopify_sandbox
):
    shop, clean = two_shops
    code, output = start_and_stop_after(command_env, shopify_sandbox, 30, signal.SIGTERM)
    assert code == 2 and "failed" in output, output
    ((_stopped, status, error),) = runs(command_env)
    assert (status, error) == ("failed", "worker_lost")
    code, output = run_command(command_env, SHOP)  # not blocked by a lease
    assert code == 0, output
    assert run_command(command_env, CLEAN_SHOP)[0] == 0
    assert shopify_state(shop) == shopify_state(clean)
