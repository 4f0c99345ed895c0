"""One run per shop (the lease), stale runs, run history API and retention (contract §2, §4)."""

import os
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_q.models import OrmQ

from integration_app import tasks
from integration_app.models import Shop, SyncIssue, SyncRun
from integration_app.runs import control, processes
from integration_app.runs.control import (
    RETAIN_DAYS,
    RETAIN_RUNS,
    RunInProgress,
    claim_run,
    keep_alive,
    prune_runs,
    start_run,
)
from tests.helpers import b2b_customer, run_sync
from tests.processes import last_json_line, run_python

OTHER_SHOP = "other-shop.myshopify.com"


def start(shop, **options):
    return start_run(
        shop,
        kind=options.get("kind", "all"),
        full=False,
        dry_run=False,
        trigger=options.get("trigger", "manual"),
    )


# --- the lease ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_second_start_raises_with_the_active_run(installed_shop):
    first = start(installed_shop)
    with pytest.raises(RunInProgress) as raised:
        start(installed_shop, trigger="schedule")
    assert raised.value.run_id == first.pk
    claim_run(first.pk)  # running is active too
    with pytest.raises(RunInProgress):
        start(installed_shop)
    SyncRun.objects.filter(pk=first.pk).update(status="succeeded", finished_at=timezone.now())
    assert start(installed_shop).pk != first.pk


RACE = """
import json, sys, threading
import django
django.setup()
from django.core.management import call_command
from django.utils import timezone
from integration_app.models import Shop, SyncRun
from integration_app.runs.control import RunInProgress, start_run

call_command("migrate", verbosity=0)
shop = Shop.objects.create(domain="race-shop.myshopify.com", access_token="shpat_race")
threads_per_round, rounds = int(sys.argv[1]), int(sys.argv[2])
report = []
for _ in range(rounds):
    barrier = threading.Barrier(threads_per_round)
    outcomes, lock = [], threading.Lock()

    def race():
        try:
            barrier.wait()
            try:
                run = start_run(shop, kind="all", full=False, dry_run=False, trigger="schedule")
                result = ["started", run.pk]
            except RunInProgress as exc:
                result = ["busy", exc.run_id]
            except Exception as exc:
                result = ["error", repr(exc)]
            with lock:
                outcomes.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=race) for _ in range(threads_per_round)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    active = SyncRun.objects.filter(shop=shop, status__in=["queued", "running"]).count()
    report.append({"outcomes": outcomes, "active": active})
    SyncRun.objects.filter(shop=shop, status="queued").update(status="succeeded", finished_at=timezone.now())
print(json.dumps({"rounds": report, "runs": SyncRun.objects.count()}))
"""


def test_concurrent_starts_in_threads_create_exactly_one_run(tmp_path):
    """Real threads, each with its own connection to a file SQLite database (the production settings:
    busy timeout, BEGIN IMMEDIATE), race to start a run of the same shop: exactly one wins each round.

    In a subprocess because the suite's in-memory test database cannot make a thread wait for a lock."""
    threads_per_round, rounds = 8, 5
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "integration_app.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "SHOPIFY_API_KEY": settings.SHOPIFY_API_KEY,
        "SHOPIFY_API_SECRET": settings.SHOPIFY_API_SECRET,
    }
    env.pop("REDIS_URL", None)
    done = run_python("-c", RACE, str(threads_per_round), str(rounds), env=env)
    report = last_json_line(done.stdout)
    for round_ in report["rounds"]:
        started = [pk for what, pk in round_["outcomes"] if what == "started"]
        assert len(started) == 1, round_
        assert sorted(map(tuple, round_["outcomes"])) == sorted(
            [("started", started[0])] + [("busy", started[0])] * (threads_per_round - 1)
        )
        assert round_["active"] == 1
    assert report["runs"] == rounds


@pytest.mark.django_db
def test_different_shops_run_at_the_same_time(installed_shop):
    other = Shop.objects.create(domain=OTHER_SHOP, access_token="shpat_other")
    mine, theirs = start(installed_shop), start(other)
    claim_run(mine.pk), claim_run(theirs.pk)
    assert SyncRun.objects.filter(status="running").count() == 2


@pytest.mark.django_db
def test_sync_now_twice_answers_202_then_409_with_the_run_id(api, installed_shop):
    first = api("post", "/api/sync", {"kind": "all", "full": True})
    assert first.status_code == 202
    run_id = first.json()["run_id"]
    second = api("post", "/api/sync", {"kind": "customers"})
    assert second.status_code == 409
    assert second.json()["run_id"] == run_id and second.json()["error"]
    # Queued in the ORM broker for a worker: one task, the first run's.
    [queued] = OrmQ.objects.all()
    assert (queued.func(), queued.task["args"]) == ("integration_app.tasks.execute_run", (run_id,))
    assert SyncRun.objects.get().status == "queued"


@pytest.mark.django_db
def test_sync_now_runs_in_the_worker(api, installed_shop, cin7_account, run_tasks_inline):
    cin7_account.add_customer(b2b_customer("Ann", "ann@example.com"))
    response = api("post", "/api/sync", {"kind": "all", "full": True})
    assert response.status_code == 202
    run = SyncRun.objects.get(pk=response.json()["run_id"])
    assert (run.status, run.trigger, run.counts["created"]) == ("succeeded", "manual", 1)
    assert api("post", "/api/sync", {}).status_code == 202  # the first one has finished


@pytest.mark.django_db
def test_a_run_whose_worker_died_is_failed_and_the_next_run_proceeds(installed_shop):
    dead = start(installed_shop)
    claim_run(dead.pk)
    SyncRun.objects.filter(pk=dead.pk).update(
        heartbeat_at=timezone.now() - control.RUNNING_STALE_AFTER - timedelta(seconds=5)
    )
    fresh = start(installed_shop, trigger="schedule")
    dead.refresh_from_db()
    assert (dead.status, dead.error_code) == ("failed", "worker_lost")
    assert dead.finished_at is not None and dead.error_message
    assert fresh.status == "queued"


@pytest.mark.django_db
def test_a_live_run_is_not_expired_and_a_forgotten_queued_run_is(installed_shop):
    live = start(installed_shop)
    claim_run(live.pk)
    SyncRun.objects.filter(pk=live.pk).update(
        heartbeat_at=timezone.now() - control.RUNNING_STALE_AFTER + timedelta(seconds=30)
    )
    with pytest.raises(RunInProgress):
        start(installed_shop)
    SyncRun.objects.filter(pk=live.pk).update(status="succeeded")
    queued = start(installed_shop)
    SyncRun.objects.filter(pk=queued.pk).update(
        heartbeat_at=timezone.now() - control.QUEUED_STALE_AFTER - timedelta(seconds=5)
    )
    start(installed_shop)
    queued.refresh_from_db()
    assert (queued.status, queued.error_code) == ("failed", "worker_lost")


def dead_process() -> tuple[int, str]:
    """A real child process (as a qcluster worker is), its start recorded, then killed and reaped."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    start = processes.process_start(child.pid)
    child.kill()
    child.wait()
    return child.pid, start


def running_in(shop, *, host: str, pid: int, start: str) -> SyncRun:
    run = start_run(shop, kind="all", full=False, dry_run=False, trigger="schedule")
    claim_run(run.pk)
    SyncRun.objects.filter(pk=run.pk).update(worker_host=host, worker_pid=pid, worker_start=start)
    return run


@pytest.mark.django_db
def test_a_run_records_the_process_that_claimed_it(installed_shop):
    run = claim_run(start(installed_shop).pk)
    assert (run.worker_host, run.worker_pid) == (socket.gethostname(), os.getpid())
    assert run.worker_start == processes.process_start(os.getpid()) and run.worker_start


@pytest.mark.django_db
def test_a_run_whose_worker_process_died_on_this_host_is_failed_at_once(installed_shop):
    pid, started = dead_process()
    assert started and processes.process_start(pid) is None
    lost = running_in(installed_shop, host=socket.gethostname(), pid=pid, start=started)
    fresh = start(installed_shop)  # its heartbeat is fresh: only the dead process frees the shop
    lost.refresh_from_db()
    assert (lost.status, lost.error_code, fresh.status) == ("failed", "worker_lost", "queued")
    assert f"pid {pid}" in lost.error_message and lost.finished_at is not None
    assert list(lost.issues.values_list("code", flat=True)) == ["worker_lost"]


@pytest.mark.django_db
def test_a_reused_pid_is_not_taken_for_the_runs_process(installed_shop):
    """The run's pid now names another process (this one), started at another time: the run's is gone."""
    _, started = dead_process()
    lost = running_in(installed_shop, host=socket.gethostname(), pid=os.getpid(), start=started)
    start(installed_shop)
    lost.refresh_from_db()
    assert (lost.status, lost.error_code) == ("failed", "worker_lost")


@pytest.mark.django_db
def test_a_live_process_here_or_a_process_this_host_cannot_see_keeps_the_lease(installed_shop):
    me = processes.current_process()
    live = running_in(installed_shop, host=me.host, pid=me.pid, start=me.start)
    with pytest.raises(RunInProgress):
        start(installed_shop)
    # Another machine's process cannot be checked from here, even if that pid is free on this host; nor can
    # a process of another container with this hostname (another pid namespace), or of an earlier boot.
    pid, started = dead_process()
    ticks = started.rpartition(":")[2]
    for host, start_of_process in (
        ("worker-2.internal", started),
        (me.host, f"{me.start.split(':')[0]}:4026599999:{ticks}"),
        (me.host, f"00000000-0000-4000-8000-000000000000:{me.start.split(':')[1]}:{ticks}"),
        (me.host, ""),  # recorded where /proc could not be read
    ):
        SyncRun.objects.filter(pk=live.pk).update(
            worker_host=host, worker_pid=pid, worker_start=start_of_process
        )
        with pytest.raises(RunInProgress):
            start(installed_shop)
    assert SyncRun.objects.get(pk=live.pk).status == "running"
    SyncRun.objects.filter(pk=live.pk).update(
        heartbeat_at=timezone.now() - control.RUNNING_STALE_AFTER - timedelta(seconds=5)
    )
    start(installed_shop)  # its lease expired
    assert SyncRun.objects.get(pk=live.pk).error_code == "worker_lost"


@pytest.mark.django_db(transaction=True)
def test_keep_alive_beats_the_heartbeat_from_a_background_thread(installed_shop):
    run = start(installed_shop)
    claim_run(run.pk)
    old = timezone.now() - timedelta(minutes=4)
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=old)
    with keep_alive(run.pk, every=timedelta(seconds=0.05)):
        deadline = time.monotonic() + 5
        while SyncRun.objects.get(pk=run.pk).heartbeat_at == old and time.monotonic() < deadline:
            time.sleep(0.05)
    assert SyncRun.objects.get(pk=run.pk).heartbeat_at > timezone.now() - timedelta(seconds=5)
    assert not [t for t in threading.enumerate() if t.name == f"run-{run.pk}-heartbeat"]


@pytest.mark.django_db
def test_execute_run_skips_a_run_that_is_no_longer_queued(installed_shop):
    run = start(installed_shop)
    SyncRun.objects.filter(pk=run.pk).update(status="failed", error_code="worker_lost")
    assert tasks.execute_run(run.pk) is None
    assert SyncRun.objects.get(pk=run.pk).started_at is None


@pytest.mark.django_db
def test_execute_run_reports_the_run_and_worker(installed_shop, cin7_account):
    run = start(installed_shop)
    result = tasks.execute_run(run.pk)
    assert result["run_id"] == run.pk and result["status"] == "succeeded" and ":" in result["worker"]


# --- run history API ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_runs_list_newest_first_with_counts_status_and_durations(api, installed_shop, cin7_account):
    cin7_account.add_customer(b2b_customer("Ann", "ann@example.com"))
    cin7_account.add_customer(b2b_customer("Bob", "", phone=None))  # no email: skipped with an issue
    first = run_sync(installed_shop, full=True)
    second = run_sync(installed_shop, kind="customers", full=False)
    data = api("get", "/api/runs").json()
    assert data["total"] == 2
    assert [r["id"] for r in data["runs"]] == [second.pk, first.pk]
    newest, oldest = data["runs"]
    assert oldest["status"] == "completed_with_issues" and oldest["counts"]["created"] == 1
    assert oldest["counts"]["skipped"] == 1 and oldest["issue_count"] == 1
    assert [i["code"] for i in oldest["issues"]] == ["no_email"]
    assert set(oldest["issues"][0]) >= {"code", "message", "cin7_id", "email", "sku"}
    assert (newest["kind"], newest["full"], newest["trigger"]) == ("customers", False, "command")
    for run in data["runs"]:
        assert run["duration_seconds"] >= 0 and run["started_at"] and run["finished_at"]
    page = api("get", "/api/runs?limit=1&offset=1").json()
    assert [r["id"] for r in page["runs"]] == [first.pk] and page["total"] == 2
    assert api("get", "/api/runs?limit=x").status_code == 400


@pytest.mark.django_db
def test_run_detail_lists_issues_filters_by_code_and_hides_other_shops(api, installed_shop, cin7_account):
    cin7_account.add_customer(b2b_customer("Ann", "ann@example.com", phone="12"))  # invalid phone
    cin7_account.add_customer(b2b_customer("Bob", "", phone=None))  # no email
    run = run_sync(installed_shop)
    detail = api("get", f"/api/runs/{run.pk}").json()
    assert detail["issue_codes"] == {"invalid_phone": 1, "no_email": 1}
    assert {i["code"] for i in detail["issues"]} == {"invalid_phone", "no_email"}
    assert all(i["fix"] for i in detail["issues"])
    filtered = api("get", f"/api/runs/{run.pk}?code=no_email").json()
    assert [i["code"] for i in filtered["issues"]] == ["no_email"]
    other = Shop.objects.create(domain=OTHER_SHOP, access_token="shpat_other")
    theirs = start(other)
    response = api("get", f"/api/runs/{theirs.pk}")
    assert response.status_code == 404 and response.json()["error"]
    assert api("get", "/api/runs/999999").status_code == 404
    assert theirs.pk not in [r["id"] for r in api("get", "/api/runs").json()["runs"]]


@pytest.mark.django_db
def test_runs_api_needs_a_session_token(client):
    response = client.get("/api/runs")
    assert response.status_code == 401


# --- retention ---------------------------------------------------------------------------------------


def _history(shop, ages_in_days):
    """Finished runs of `shop` created `age` days ago (oldest first), each with one issue."""
    now = timezone.now()
    runs = SyncRun.objects.bulk_create(
        [SyncRun(shop=shop, kind="all", trigger="schedule", status="succeeded") for _ in ages_in_days]
    )
    SyncIssue.objects.bulk_create([SyncIssue(run=run, code="no_email", message="x") for run in runs])
    for run, age in zip(runs, ages_in_days, strict=True):
        SyncRun.objects.filter(pk=run.pk).update(created_at=now - timedelta(days=age))
    return [run.pk for run in runs]


@pytest.mark.django_db
def test_retention_keeps_the_last_500_runs_when_they_reach_further_back(installed_shop):
    ids = _history(installed_shop, [200 - i * 0.3 for i in range(RETAIN_RUNS + 40)])  # all but ~0 > 90 days
    assert prune_runs(installed_shop) == 40
    kept = set(SyncRun.objects.filter(shop=installed_shop).values_list("pk", flat=True))
    assert kept == set(ids[40:])
    assert SyncIssue.objects.count() == RETAIN_RUNS
    assert prune_runs(installed_shop) == 0


@pytest.mark.django_db
def test_retention_keeps_90_days_when_they_hold_more_than_500_runs(installed_shop, monkeypatch):
    monkeypatch.setattr(control, "RETAIN_RUNS", 5)
    old = _history(installed_shop, [RETAIN_DAYS + 30, RETAIN_DAYS + 1])
    recent = _history(installed_shop, [RETAIN_DAYS - 1, 50, 10, 5, 3, 2, 1, 0])
    assert prune_runs(installed_shop) == 2
    assert set(SyncRun.objects.values_list("pk", flat=True)) == set(recent)
    assert not SyncIssue.objects.filter(run_id__in=old).exists()


@pytest.mark.django_db
def test_retention_spares_active_runs_other_shops_and_small_histories(installed_shop, monkeypatch):
    monkeypatch.setattr(control, "RETAIN_RUNS", 2)
    other = Shop.objects.create(domain=OTHER_SHOP, access_token="shpat_other")
    theirs = _history(other, [400, 300, 200])
    assert prune_runs(installed_shop) == 0  # no history at all
    mine = _history(installed_shop, [400, 300])
    assert prune_runs(installed_shop) == 0  # only RETAIN_RUNS runs: all kept, however old
    stuck = start(installed_shop)
    SyncRun.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(days=500))
    _history(installed_shop, [1, 0])
    assert prune_runs(installed_shop) == 2
    assert set(SyncRun.objects.filter(shop=installed_shop).values_list("pk", flat=True)) - set(mine) >= {
        stuck.pk
    }
    assert not SyncRun.objects.filter(pk__in=mine).exists()
    assert SyncRun.objects.filter(shop=other).count() == len(theirs)


@pytest.mark.django_db
def test_execute_run_prunes_the_history_after_the_run(installed_shop, monkeypatch):
    monkeypatch.setattr(control, "RETAIN_RUNS", 1)
    old = _history(installed_shop, [120, 100])
    run = start(installed_shop)
    tasks.execute_run(run.pk)
    assert list(SyncRun.objects.values_list("pk", flat=True)) == [run.pk]
    assert not SyncRun.objects.filter(pk__in=old).exists()


@pytest.mark.django_db
def test_a_failing_prune_does_not_fail_the_run(installed_shop, monkeypatch, caplog):
    def broken(shop):
        raise RuntimeError("boom")

    monkeypatch.setattr(tasks, "prune_runs", broken)
    run = start(installed_shop)
    assert tasks.execute_run(run.pk)["status"] == "succeeded"
    assert "Pruning the runs" in caplog.text
