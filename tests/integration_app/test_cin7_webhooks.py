"""Cin7 webhooks (contract §2 `POST /webhooks/cin7/<key>`, §4 "Freshness"), through the real HTTP paths:
registration on save against the Cin7 sandbox (reuse, rotation, re-activation, deletion), the Automation
module missing, the delivery endpoint's bearer check, and bursts coalescing into at most two runs."""

import json
import pydoc
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import OrmQ, Schedule
from django_q.scheduler import scheduler

from integration_app import tasks
from integration_app.models import Cin7Webhooks, RunStatus, Shop, SyncRun
from integration_app.runs.control import claim_run, start_run
from integration_app.runs.hooks import after_run
from integration_app.webhooks import cin7 as cin7_deliveries
from tests.conftest import CIN7_ACCOUNT, CIN7_KEY, SHOP
from tests.helpers import b2b_customer, run_sync

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick_settle(settings):
    settings.CIN7_WEBHOOK_SETTLE_SECONDS = 0


def run_queued_tasks() -> list:
    """Run what the ORM broker holds, as a worker would (tasks they queue run too), and empty it."""
    results = []
    while OrmQ.objects.exists():
        queued = OrmQ.objects.order_by("id").first()
        queued.delete()
        task = queued.task
        results.append((task["func"], pydoc.locate(task["func"])(*task["args"], **task["kwargs"])))
    return results


def save_credentials(api, account_id=CIN7_ACCOUNT, api_key=CIN7_KEY):
    """Save credentials, then run what the save queued (as a worker would); the settings as the page
    reads them afterwards."""
    response = api("put", "/api/settings", {"cin7_account_id": account_id, "cin7_api_key": api_key})
    assert response.status_code == 200, response.content
    # The Cin7 side of the save is a worker's (issue 27): the request only queued it, without a secret.
    queued = [q.task for q in OrmQ.objects.all()]
    assert [(t["func"], t["args"]) for t in queued] == [
        ("integration_app.tasks.cin7_credentials_saved", (SHOP,))
    ]
    run_queued_tasks()
    return api("get", "/api/settings").json()


def mine(account, hooks):
    url = f"http://testserver/webhooks/cin7/{hooks.key}"
    return [item for item in account.registrations.stored() if item["ExternalURL"] == url]


def hooks_of(shop) -> Cin7Webhooks:
    return Cin7Webhooks.objects.get(shop=shop)


def deliver(client, hooks, event="Customer/Updated", token=None, **headers):
    token = hooks.token if token is None else token
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    body = json.dumps({"EventType": event, "NumberOfCustomers": 1, "CustomerDetailsList": []})
    return client.post(f"/webhooks/cin7/{hooks.key}", body, content_type="application/json", **headers)


# -- registration -----------------------------------------------------------------------------------------
def test_saving_verified_credentials_registers_both_webhooks_with_a_secret_bearer_token(
    api, installed_shop, cin7_account
):
    payload = save_credentials(api)
    hooks = hooks_of(installed_shop)
    assert payload["cin7_webhooks"] == "active" and payload["cin7_webhooks_reason"] == ""
    registered = mine(cin7_account, hooks)
    assert sorted(item["Type"] for item in registered) == ["Customer/Updated", "Product/Updated"]
    for item in registered:
        assert item["IsActive"] and item["ExternalAuthorizationType"] == "bearerauth"
        assert item["ExternalBearerToken"] == hooks.token and len(hooks.token) >= 40
    # The key is not the shop's domain, and the token is stored encrypted.
    assert SHOP.split(".")[0] not in hooks.key and len(hooks.key) >= 32
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM integration_app_cin7webhooks WHERE id = %s", [hooks.pk])
        assert hooks.token not in cursor.fetchone()[0]
    assert "token" not in json.dumps(payload).lower().replace("cin7_webhooks", "")


def test_saving_again_reuses_the_registrations_and_rotates_the_token(
    api, client, installed_shop, cin7_account
):
    cin7_account.registrations.handle(  # someone else's webhook in the same account stays alone
        "POST",
        None,
        {
            "Type": "Customer/Updated",
            "IsActive": True,
            "ExternalURL": "https://other.example/hook",
            "ExternalAuthorizationType": "noauth",
        },
    )
    save_credentials(api)
    first = hooks_of(installed_shop)
    ids = sorted(item["ID"] for item in mine(cin7_account, first))
    for _ in range(6):  # more saves than Cin7's limit of 5 per type
        save_credentials(api)
    hooks = hooks_of(installed_shop)
    assert sorted(item["ID"] for item in mine(cin7_account, hooks)) == ids
    assert len(cin7_account.registrations.stored()) == 3
    assert hooks.token != first.token
    assert {item["ExternalBearerToken"] for item in mine(cin7_account, hooks)} == {hooks.token}
    assert deliver(client, hooks, token=first.token).status_code == 401  # the old token is dead


def test_a_full_run_reactivates_what_cin7_deactivated(api, installed_shop, cin7_account):
    save_credentials(api)
    hooks = hooks_of(installed_shop)
    for item in mine(cin7_account, hooks):
        cin7_account.registrations.deactivate(item["ID"])
    run = SyncRun.objects.create(shop=installed_shop, kind="all", full=False, trigger="schedule")
    tasks.execute_run(run.pk)  # an incremental run leaves them
    assert not any(item["IsActive"] for item in mine(cin7_account, hooks))
    run = SyncRun.objects.create(shop=installed_shop, kind="all", full=True, trigger="schedule")
    tasks.execute_run(run.pk)
    assert all(item["IsActive"] for item in mine(cin7_account, hooks))
    assert len(mine(cin7_account, hooks)) == 2


def test_uninstall_deletes_the_registrations(api, installed_shop, cin7_account):
    from integration_app.webhooks.shopify import app_uninstalled

    save_credentials(api)
    hooks = hooks_of(installed_shop)
    app_uninstalled(SHOP, {})
    run_queued_tasks()
    assert mine(cin7_account, hooks) == []
    assert hooks_of(installed_shop).status == "off" and hooks_of(installed_shop).token == ""


def test_shop_redaction_deletes_the_registrations(api, installed_shop, cin7_account):
    save_credentials(api)
    hooks = hooks_of(installed_shop)
    tasks.redact_shop(SHOP)
    assert mine(cin7_account, hooks) == [] and not Shop.objects.filter(domain=SHOP).exists()


def test_new_credentials_of_another_account_move_the_registrations(
    api, installed_shop, cin7_store, cin7_account
):
    save_credentials(api)
    hooks = hooks_of(installed_shop)
    other = cin7_store.add_account(api_key="11111111-2222-4333-8444-555555555555", company="Other")
    save_credentials(api, other.account_id, other.api_key)
    assert mine(cin7_account, hooks) == []
    assert len(mine(other, hooks)) == 2 and hooks_of(installed_shop).account_id == other.account_id


def test_without_the_automation_module_the_reason_is_shown_and_polling_goes_on(
    api, installed_shop, cin7_account
):
    cin7_account.automation_module = False
    payload = save_credentials(api)
    assert payload["cin7_verified"] is True
    assert payload["cin7_webhooks"] == "unavailable"
    assert "Automation module" in payload["cin7_webhooks_reason"]
    assert Schedule.objects.filter(name__startswith=f"cin7-sync {SHOP}").count() == 2  # polling stays
    assert api("get", "/api/settings").json()["cin7_webhooks"] == "unavailable"
    cin7_account.automation_module = True  # added later: the next full run registers
    run = SyncRun.objects.create(shop=installed_shop, kind="all", full=True, trigger="schedule")
    tasks.execute_run(run.pk)
    assert api("get", "/api/settings").json()["cin7_webhooks"] == "active"


# -- deliveries --------------------------------------------------------------------------------------------
def test_a_wrong_or_missing_token_is_refused_and_queues_nothing(api, client, installed_shop):
    save_credentials(api)
    hooks = hooks_of(installed_shop)
    assert deliver(client, hooks, token="not-the-token").status_code == 401
    assert deliver(client, hooks, token="").status_code == 401
    assert deliver(client, hooks, token=hooks.token + "x").status_code == 401
    unknown = Cin7Webhooks(key="no-such-key", token=hooks.token)
    assert deliver(client, unknown).status_code == 401
    assert not OrmQ.objects.exists() and hooks_of(installed_shop).wake_kinds == []
    assert client.get(f"/webhooks/cin7/{hooks.key}").status_code == 405


def test_a_delivery_answers_fast_and_only_queues_a_run_of_its_kind(api, client, installed_shop, cin7_account):
    save_credentials(api)
    hooks = hooks_of(installed_shop)
    started = time.perf_counter()
    response = deliver(client, hooks, event="Product/Updated")
    assert response.status_code == 200 and time.perf_counter() - started < 1.0
    assert not SyncRun.objects.exists()  # nothing runs in the request
    assert [q.task["func"] for q in OrmQ.objects.all()] == ["integration_app.webhooks.cin7.wake_task"]
    results = run_queued_tasks()
    run = SyncRun.objects.get()
    assert (run.kind, run.full, run.trigger) == ("pricing", False, "webhook")
    assert run.status == RunStatus.SUCCEEDED and results[-1][0] == "integration_app.tasks.execute_run"


def test_unknown_events_and_garbage_bodies_queue_nothing(api, client, installed_shop):
    save_credentials(api)
    hooks = hooks_of(installed_shop)
    assert deliver(client, hooks, event="Sale/Created").status_code == 200
    response = client.post(
        f"/webhooks/cin7/{hooks.key}",
        b"\xff not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {hooks.token}",
    )
    assert response.status_code == 200 and not OrmQ.objects.exists()


def test_a_burst_of_500_deliveries_makes_at_most_two_runs(api, client, installed_shop, cin7_account):
    save_credentials(api)
    hooks = hooks_of(installed_shop)
    for n in range(250):
        assert deliver(client, hooks, event=("Customer/Updated", "Product/Updated")[n % 2]).status_code == 200
    assert OrmQ.objects.count() == 1  # one wake task for the whole burst
    # The burst's run is started; while it is queued/running the rest of the burst arrives.
    wake = OrmQ.objects.get()
    wake.delete()
    first_id = cin7_deliveries.wake_task(*wake.task["args"])
    assert SyncRun.objects.get(pk=first_id).kind == "all"
    for _ in range(250):
        assert deliver(client, hooks, event="Customer/Updated").status_code == 200
    assert SyncRun.objects.count() == 1
    run_queued_tasks()  # the first run executes; at its end the waiting deliveries get one more run
    runs = list(SyncRun.objects.order_by("id"))
    assert len(runs) == 2 and runs[1].kind == "customers"
    assert all(run.status == RunStatus.SUCCEEDED for run in runs)
    assert hooks_of(installed_shop).wake_kinds == [] and hooks_of(installed_shop).wake_queued_at is None


@contextmanager
def no_sleeping():
    """`time.sleep` on this thread (where queued tasks run) fails the test; the sandboxes' threads may."""
    real_sleep, main = time.sleep, threading.current_thread()

    def sleep(seconds):
        assert threading.current_thread() is not main, f"a task slept {seconds} s in a worker"
        real_sleep(seconds)

    time.sleep = sleep
    try:
        yield
    finally:
        time.sleep = real_sleep


def test_500_deliveries_during_a_running_run_leave_one_queued_task_and_none_that_sleeps(
    api, client, installed_shop, settings
):
    """Issue 27 item 2: nothing is queued while the shop's run is active; its end queues one wake, which
    starts one run at once, never sleeping for the settle time."""
    settings.CIN7_WEBHOOK_SETTLE_SECONDS = 3
    save_credentials(api)
    hooks = hooks_of(installed_shop)
    active = start_run(installed_shop, kind="all", full=False, dry_run=False, trigger="manual")
    claim_run(active.pk)  # running, holding the shop's lease
    for n in range(500):
        assert deliver(client, hooks, event=("Customer/Updated", "Product/Updated")[n % 2]).status_code == 200
        assert (
            OrmQ.objects.count() == 0 and not Schedule.objects.filter(name__startswith="cin7-wake").exists()
        )
    SyncRun.objects.filter(pk=active.pk).update(status=RunStatus.SUCCEEDED, finished_at=timezone.now())
    after_run(SyncRun.objects.get(pk=active.pk))  # what the run's end does
    assert [q.task["func"] for q in OrmQ.objects.all()] == ["integration_app.webhooks.cin7.wake_task"]
    started = time.monotonic()
    with no_sleeping():
        results = run_queued_tasks()
    assert time.monotonic() - started < 3  # the settle time was not slept
    assert [func for func, _ in results] == [
        "integration_app.webhooks.cin7.wake_task",
        "integration_app.tasks.execute_run",
    ]
    run = SyncRun.objects.get(trigger="webhook")
    assert (run.kind, run.status) == ("all", RunStatus.SUCCEEDED)


def test_a_burst_still_going_after_two_runs_is_scheduled_for_when_it_settles(
    api, client, installed_shop, settings
):
    settings.CIN7_WEBHOOK_SETTLE_SECONDS = 3
    save_credentials(api)
    hooks = hooks_of(installed_shop)
    with no_sleeping():
        for _ in range(2):  # the burst's first two runs start at once
            deliver(client, hooks)
            run_queued_tasks()
        assert SyncRun.objects.filter(trigger="webhook", status=RunStatus.SUCCEEDED).count() == 2
        deliver(client, hooks, event="Product/Updated")  # the burst goes on: its wake waits for quiet
        assert not OrmQ.objects.exists()
        wake = Schedule.objects.get(name=f"cin7-wake {hooks.pk}")
        quiet_at = hooks_of(installed_shop).last_delivery_at + timedelta(seconds=3)
        assert (wake.func, wake.schedule_type, wake.next_run) == (
            "integration_app.webhooks.cin7.wake_task",
            Schedule.ONCE,
            quiet_at,
        )
        deliver(client, hooks)  # joins the scheduled wake
        assert (
            not OrmQ.objects.exists() and Schedule.objects.filter(name__startswith="cin7-wake").count() == 1
        )
        assert cin7_deliveries.wake_task(hooks.pk) is None  # early (a clock ahead): it moves, not sleeps
        assert Schedule.objects.get(name=f"cin7-wake {hooks.pk}").next_run > quiet_at
        # The burst settled; the cluster's scheduler finds the wake due and queues it.
        Cin7Webhooks.objects.filter(pk=hooks.pk).update(
            last_delivery_at=timezone.now() - timedelta(seconds=5)
        )
        Schedule.objects.filter(name=f"cin7-wake {hooks.pk}").update(
            next_run=timezone.now() - timedelta(seconds=1)
        )
        scheduler(broker=get_broker())
        run_queued_tasks()
    run = SyncRun.objects.filter(trigger="webhook").order_by("-id").first()
    assert (run.kind, run.status) == ("all", RunStatus.SUCCEEDED)
    assert SyncRun.objects.filter(trigger="webhook").count() == 3
    assert not Schedule.objects.filter(name__startswith="cin7-wake").exists()
    assert hooks_of(installed_shop).wake_queued_at is None


def test_the_sweep_wakes_deliveries_a_dead_run_left_waiting(api, client, installed_shop):
    save_credentials(api)
    hooks = hooks_of(installed_shop)
    active = start_run(installed_shop, kind="all", full=False, dry_run=False, trigger="manual")
    deliver(client, hooks)
    assert not OrmQ.objects.exists()
    # Its worker died: the run was failed by the lease check, and never reached `after_run`.
    SyncRun.objects.filter(pk=active.pk).update(status=RunStatus.FAILED, finished_at=timezone.now())
    tasks.sweep_overdue()
    assert "integration_app.webhooks.cin7.wake_task" in [q.task["func"] for q in OrmQ.objects.all()]


def test_deliveries_while_the_sync_is_off_start_nothing(api, client, installed_shop):
    save_credentials(api)
    api("put", "/api/settings", {"sync_enabled": False})
    deliver(client, hooks_of(installed_shop))
    assert not OrmQ.objects.exists()  # dropped before anything is queued
    run_queued_tasks()
    assert not SyncRun.objects.exists() and hooks_of(installed_shop).wake_kinds == []


def test_a_run_started_elsewhere_keeps_the_delivery_for_after_it(api, client, installed_shop, cin7_account):
    save_credentials(api)
    hooks = hooks_of(installed_shop)
    deliver(client, hooks)
    # A run of the schedule or "Sync now" holds the shop's lease meanwhile.
    active = start_run(installed_shop, kind="all", full=False, dry_run=False, trigger="manual")
    assert run_queued_tasks()[0][1] is None  # the wake found the shop busy and left the kinds
    assert hooks_of(installed_shop).wake_kinds == ["customers"]
    tasks.execute_run(active.pk)  # its end wakes them
    run_queued_tasks()
    assert SyncRun.objects.filter(trigger="webhook", status=RunStatus.SUCCEEDED).count() == 1


# -- end to end: a Cin7 edit → the sandbox's delivery to the live app → the run → the Shopify write -------
def wait_for_delivery(store, count, seconds=10.0):
    deadline = time.monotonic() + seconds
    while len([r for r in store.deliveries.log if r.status == 200]) < count:
        assert time.monotonic() < deadline, store.deliveries.log
        time.sleep(0.02)


@pytest.mark.django_db(transaction=True)
def test_a_cin7_edit_reaches_shopify_through_the_webhook(
    live_server, settings, api, installed_shop, cin7_store, cin7_account, sandbox_shop
):
    settings.APP_URL = live_server.url
    cin7_store.deliveries.timing.first_delay = 0
    customer_id = cin7_account.add_customer(b2b_customer("Ann Lee", "ann@example.com"))
    product_id = cin7_account.add_product({"SKU": "A-1", "Name": "A", "PriceTier1": 10})
    sandbox_shop.add_product("A", variants=[{"sku": "A-1"}])
    variant_id = next(v for v, variant in sandbox_shop.variants.items() if variant["sku"] == "A-1")
    assert save_credentials(api)["cin7_webhooks"] == "active"
    assert run_sync(installed_shop).status == RunStatus.SUCCEEDED
    run_queued_tasks()

    cin7_account.update_customer(customer_id, CreditLimit=7500)
    wait_for_delivery(cin7_store, 1)
    run_queued_tasks()  # what a worker does: the wake, then the incremental customers run
    run = SyncRun.objects.filter(trigger="webhook").get()
    assert (run.kind, run.full, run.status) == ("customers", False, RunStatus.SUCCEEDED)
    ann = next(c for c in sandbox_shop.customers.values() if c.email == "ann@example.com")
    assert ann.metafields[("cin7", "credit_limit")].value == "7500.00"

    cin7_account.update_product(product_id, PriceTier1=12)
    wait_for_delivery(cin7_store, 2)
    run_queued_tasks()
    run = SyncRun.objects.filter(trigger="webhook").order_by("-id").first()
    assert (run.kind, run.status) == ("pricing", RunStatus.SUCCEEDED)
    tiers = json.loads(sandbox_shop.metafield(variant_id, "cin7", "price_tiers")["value"])
    assert tiers["Tier 1"] == "12.00"
