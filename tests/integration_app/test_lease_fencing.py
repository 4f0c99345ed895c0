"""Fencing the lease (issue 27 item 7): heartbeats on the database's clock, a run that lost its lease stops
before its next write and saves nothing, and the background heartbeat survives a broken connection."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from integration_app.models import SyncRun
from integration_app.runs import control
from integration_app.runs.control import RunInProgress, claim_run, keep_alive, start_run
from integration_app.runs.execute import _beat, execute
from integration_app.runs.stores import sync_state
from syncs.context import LeaseLost, RunContext
from tests.conftest import SHOP
from tests.helpers import b2b_customer

SKEW = timedelta(minutes=10)


def start(shop, *, full=False, trigger="manual"):
    return start_run(shop, kind="all", full=full, dry_run=False, trigger=trigger)


def host_clock(monkeypatch, offset: timedelta) -> None:
    """This host's clock runs `offset` away from the database's (and the other hosts')."""
    real = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real() + offset)


@pytest.mark.django_db
def test_a_host_whose_clock_runs_ahead_does_not_expire_a_live_run(installed_shop, monkeypatch):
    live = claim_run(start(installed_shop).pk)
    host_clock(monkeypatch, SKEW)
    with pytest.raises(RunInProgress):
        start(installed_shop)
    assert SyncRun.objects.get(pk=live.pk).status == "running"


@pytest.mark.django_db
def test_a_run_on_a_host_whose_clock_runs_behind_keeps_its_lease(installed_shop, monkeypatch):
    run = start(installed_shop)
    with monkeypatch.context() as behind:
        host_clock(behind, -SKEW)
        claim_run(run.pk)
        _beat(run.pk)({"phase": "Customers"})
    with pytest.raises(RunInProgress):  # another host, on time, sees a fresh heartbeat
        start(installed_shop)
    beaten = SyncRun.objects.get(pk=run.pk)
    assert beaten.status == "running" and beaten.heartbeat_at > timezone.now() - timedelta(minutes=1)


@pytest.mark.django_db
def test_the_heartbeat_of_a_run_that_lost_its_lease_raises_and_writes_nothing(installed_shop):
    run = claim_run(start(installed_shop).pk)
    SyncRun.objects.filter(pk=run.pk).update(status="failed", error_code="worker_lost", stats={})
    with pytest.raises(LeaseLost):
        _beat(run.pk)({"phase": "Customers"})
    assert SyncRun.objects.get(pk=run.pk).stats == {}


def wait_for(condition, seconds=5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def heartbeat_thread(run_id):
    return [t for t in threading.enumerate() if t.name == f"run-{run_id}-heartbeat"]


@pytest.mark.django_db(transaction=True)
def test_keep_alive_stops_and_fences_the_run_when_its_lease_is_gone(installed_shop):
    run = claim_run(start(installed_shop).pk)
    with keep_alive(run.pk, every=timedelta(seconds=0.02)):
        SyncRun.objects.filter(pk=run.pk).update(status="failed", error_code="worker_lost")
        assert wait_for(lambda: not heartbeat_thread(run.pk))
        assert not control.renew_lease(run.pk)
        SyncRun.objects.filter(pk=run.pk).update(status="running")  # even if it looked alive again
        with pytest.raises(LeaseLost):
            _beat(run.pk)({})
    assert run.pk not in control._fenced


@pytest.mark.django_db(transaction=True)
def test_keep_alive_reconnects_after_its_connection_broke(installed_shop, monkeypatch):
    run = claim_run(start(installed_shop).pk)
    old = timezone.now() - timedelta(minutes=4)
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=old)
    renew, broken = control.renew_lease, []

    def renew_on_a_broken_connection(run_id, **fields):
        if not broken:  # the database drops the thread's connection (restart, failover, idle timeout)
            connection.ensure_connection()
            connection.connection.close()
            broken.append(True)
        return renew(run_id, **fields)

    monkeypatch.setattr(control, "renew_lease", renew_on_a_broken_connection)
    # the test database lives in memory, whose connections Django never closes; a real one is closed
    monkeypatch.setattr(type(connections["default"]), "is_in_memory_db", lambda self: False)
    with keep_alive(run.pk, every=timedelta(seconds=0.05)):
        assert wait_for(lambda: SyncRun.objects.get(pk=run.pk).heartbeat_at != old)
        assert heartbeat_thread(run.pk)
    assert broken


@pytest.mark.django_db
def test_a_run_that_lost_its_lease_stops_writing_and_the_takeover_stands(
    installed_shop, cin7_account, shopify_sandbox, monkeypatch
):
    for n in range(12):
        cin7_account.add_customer(b2b_customer(f"Buyer {n}", f"fenced{n}@example.com", phone=None))
    write, seen = RunContext.before_write, {}

    def take_over() -> None:
        """The stale run's process pauses past its lease; another worker's tick fails it and syncs."""
        lost = SyncRun.objects.get(shop=installed_shop, status="running")
        SyncRun.objects.filter(pk=lost.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=6))
        takeover = execute(claim_run(start(installed_shop, full=True, trigger="schedule").pk))
        seen["takeover"] = SyncRun.objects.filter(pk=takeover.pk).values().get()
        seen["state"] = sync_state(installed_shop)
        seen["writes"] = shopify_sandbox.writes(SHOP)

    def before_write(ctx):
        stale = seen.setdefault("stale", ctx)
        if ctx is stale and ctx.writes == 3 and "takeover" not in seen:
            take_over()
            ctx._last_heartbeat -= timedelta(minutes=6)  # its clock moved on while it was paused
        write(ctx)

    monkeypatch.setattr(RunContext, "before_write", before_write)
    stale_run = start(installed_shop, full=True)
    finished = execute(claim_run(stale_run.pk))

    assert seen["takeover"]["status"] == "succeeded"
    assert shopify_sandbox.writes(SHOP) == seen["writes"]  # not one write after its lease was gone
    assert (finished.status, finished.error_code) == ("failed", "worker_lost")
    assert SyncRun.objects.filter(pk=seen["takeover"]["id"]).values().get() == seen["takeover"]
    assert sync_state(installed_shop) == seen["state"]  # watermarks did not move back
