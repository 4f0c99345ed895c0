"""Per-shop django-q2 schedules (contract §4): created by settings, changed by intervals, removed by
disabling sync, removing Cin7 credentials, uninstall and shop/redact; ticks start runs or skip."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import OrmQ, Schedule
from django_q.scheduler import scheduler

from integration_app import scheduling, tasks
from integration_app.models import ShopSyncState, SyncRun, SyncSettings
from integration_app.runs.control import start_run
from tests.conftest import CIN7_ACCOUNT, CIN7_KEY, SHOP
from tests.helpers import b2b_customer

pytestmark = pytest.mark.django_db

SETTINGS = {
    "cin7_account_id": CIN7_ACCOUNT,
    "cin7_api_key": CIN7_KEY,
    "customer_tags": ["b2b"],
    "sync_enabled": True,
    "sync_interval_minutes": 30,
    "full_sync_interval_hours": 12,
}


def schedules():
    return {s.name.rsplit(" ", 1)[-1]: s for s in Schedule.objects.filter(name__startswith="cin7-sync ")}


def test_saving_settings_creates_both_schedules(api, installed_shop):
    before = timezone.now()
    assert api("put", "/api/settings", SETTINGS).status_code == 200
    found = schedules()
    assert set(found) == {"incremental", "full"}
    incremental, full = found["incremental"], found["full"]
    assert incremental.func == full.func == "integration_app.tasks.scheduled_sync"
    assert (incremental.schedule_type, incremental.minutes, incremental.repeats) == (Schedule.MINUTES, 30, -1)
    assert (full.schedule_type, full.minutes, full.repeats) == (Schedule.MINUTES, 12 * 60, -1)
    assert incremental.args == repr((SHOP, False)) and full.args == repr((SHOP, True))
    # The first full sync is due at once; the first incremental one an interval later.
    assert before - timedelta(seconds=1) <= full.next_run <= timezone.now()
    assert incremental.next_run >= before + timedelta(minutes=30) - timedelta(seconds=1)
    # Saving again changes nothing and creates no second pair.
    assert api("put", "/api/settings", SETTINGS).status_code == 200
    again = schedules()
    assert Schedule.objects.count() == 2
    assert (again["incremental"].pk, again["incremental"].next_run) == (incremental.pk, incremental.next_run)


def test_interval_changes_update_the_schedules(api, installed_shop):
    api("put", "/api/settings", SETTINGS)
    old = schedules()["incremental"]
    assert api(
        "put", "/api/settings", {"sync_interval_minutes": 5, "full_sync_interval_hours": 2}
    ).status_code
    found = schedules()
    assert found["incremental"].pk == old.pk and found["incremental"].minutes == 5
    assert found["full"].minutes == 120
    # A shorter interval brings the next tick forward (it does not wait out the old 30 minutes).
    assert found["incremental"].next_run <= timezone.now() + timedelta(minutes=5)
    api("put", "/api/settings", {"sync_interval_minutes": 1440})
    assert schedules()["incremental"].minutes == 1440
    assert schedules()["incremental"].next_run == found["incremental"].next_run  # a longer one keeps it


def test_disabling_sync_removes_the_schedules_and_enabling_restores_them(api, installed_shop):
    api("put", "/api/settings", SETTINGS)
    assert api("put", "/api/settings", {"sync_enabled": False}).status_code == 200
    assert schedules() == {}
    api("put", "/api/settings", {"sync_enabled": True})
    assert set(schedules()) == {"incremental", "full"}


def test_removing_the_cin7_credentials_removes_the_schedules(api, installed_shop):
    api("put", "/api/settings", SETTINGS)
    response = api("put", "/api/settings", {"cin7_account_id": "", "cin7_api_key": ""})
    assert response.status_code == 200, response.content
    assert response.json()["cin7_api_key_set"] is False
    assert schedules() == {}


def test_no_schedule_without_tags_or_when_not_installed(installed_shop):
    SyncSettings.objects.filter(shop=installed_shop).update(customer_tags=[])
    installed_shop.refresh_from_db()
    scheduling.update_schedules(installed_shop)
    assert schedules() == {}
    SyncSettings.objects.filter(shop=installed_shop).update(customer_tags=["b2b"])
    installed_shop.refresh_from_db()
    scheduling.update_schedules(installed_shop)
    assert len(schedules()) == 2
    installed_shop.access_token = ""
    installed_shop.save()
    scheduling.update_schedules(installed_shop)
    assert schedules() == {}


def test_next_runs_reports_both_schedules(installed_shop):
    assert scheduling.next_runs(installed_shop) == {"incremental": None, "full": None}
    scheduling.update_schedules(installed_shop)
    runs = scheduling.next_runs(installed_shop)
    assert runs["full"] is not None and runs["incremental"] > runs["full"]


# --- ticks -------------------------------------------------------------------------------------------


def test_incremental_tick_becomes_full_when_the_full_sync_is_due(installed_shop, cin7_account):
    cin7_account.add_customer(b2b_customer("Ann", "ann@example.com"))
    scheduling.update_schedules(installed_shop)
    tasks.scheduled_sync(SHOP, False)  # never synced in full: this tick runs in full
    first = SyncRun.objects.get()
    assert (first.trigger, first.full, first.kind, first.status) == ("schedule", True, "all", "succeeded")
    tasks.scheduled_sync(SHOP, False)  # full sync done 0 h ago: incremental
    assert SyncRun.objects.order_by("-id").first().full is False
    ShopSyncState.objects.filter(shop=installed_shop).update(
        last_full_customers_at=timezone.now() - timedelta(hours=25)
    )
    tasks.scheduled_sync(SHOP, False)  # the 24 h full interval has passed: full again
    assert SyncRun.objects.order_by("-id").first().full is True
    assert SyncRun.objects.count() == 3


def test_tick_skips_and_logs_when_a_run_is_active(installed_shop, caplog):
    active = start_run(installed_shop, kind="all", full=False, dry_run=False, trigger="manual")
    with caplog.at_level(logging.INFO, logger="integration_app.tasks"):
        assert tasks.scheduled_sync(SHOP, True) is None
    assert list(SyncRun.objects.values_list("pk", flat=True)) == [active.pk]
    assert f"run {active.pk} in progress" in caplog.text


def test_tick_of_a_shop_whose_sync_was_disabled_runs_nothing_and_removes_the_schedule(installed_shop):
    scheduling.update_schedules(installed_shop)
    SyncSettings.objects.filter(shop=installed_shop).update(sync_enabled=False)
    assert tasks.scheduled_sync(SHOP, True) is None
    assert not SyncRun.objects.exists() and schedules() == {}
    assert tasks.scheduled_sync("gone-shop.myshopify.com", True) is None


def test_the_django_q_scheduler_queues_the_due_tick(installed_shop):
    """The real django-q2 scheduler with the ORM broker: the due full schedule becomes one queued task."""
    scheduling.update_schedules(installed_shop)
    Schedule.objects.filter(name=scheduling.schedule_name(installed_shop, "full")).update(
        next_run=timezone.now() - timedelta(seconds=1)
    )
    scheduler(broker=get_broker())
    [queued] = OrmQ.objects.all()
    assert (queued.func(), queued.task["args"]) == ("integration_app.tasks.scheduled_sync", (SHOP, True))
    full = Schedule.objects.get(name=scheduling.schedule_name(installed_shop, "full"))
    assert full.next_run > timezone.now() + timedelta(hours=23)  # catch_up off: the next one, not a backlog
    scheduler(broker=get_broker())
    assert OrmQ.objects.count() == 1  # nothing else is due


def test_scheduler_tick_runs_a_sync_end_to_end(installed_shop, cin7_account, run_tasks_inline):
    cin7_account.add_customer(b2b_customer("Ann", "ann@example.com"))
    scheduling.update_schedules(installed_shop)
    Schedule.objects.filter(name=scheduling.schedule_name(installed_shop, "full")).update(
        next_run=timezone.now() - timedelta(seconds=1)
    )
    scheduler(broker=get_broker())  # Conf.SYNC: the task runs inline, as a worker would run it
    run = SyncRun.objects.get()
    assert (run.trigger, run.full, run.status, run.counts["created"]) == ("schedule", True, "succeeded", 1)


def _run_created(shop, minutes_ago, status="succeeded", heartbeat_minutes_ago=None):
    run = SyncRun.objects.create(shop=shop, kind="all", trigger="schedule", status=status)
    beat = (
        None if heartbeat_minutes_ago is None else timezone.now() - timedelta(minutes=heartbeat_minutes_ago)
    )
    SyncRun.objects.filter(pk=run.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago), heartbeat_at=beat
    )
    return run


def test_a_shop_without_a_run_for_its_interval_plus_half_is_overdue(installed_shop):
    """Interval 30 minutes: overdue after 45 (a tick lost with a killed worker); a shop that never ran is
    left to its first tick; a disabled shop never is."""
    SyncSettings.objects.filter(shop=installed_shop).update(sync_interval_minutes=30)
    assert scheduling.overdue_shops() == []  # never ran
    run = _run_created(installed_shop, minutes_ago=44)
    assert scheduling.overdue_shops() == []
    SyncRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(minutes=46))
    assert scheduling.overdue_shops() == [SHOP]
    SyncSettings.objects.filter(shop=installed_shop).update(sync_enabled=False)
    assert scheduling.overdue_shops() == []


def test_a_dead_workers_run_makes_its_shop_overdue_as_soon_as_its_lease_expired(installed_shop):
    """Interval 30 minutes, the run started 7 minutes ago: not late, but its worker is gone."""
    SyncSettings.objects.filter(shop=installed_shop).update(sync_interval_minutes=30)
    run = _run_created(installed_shop, minutes_ago=7, status="running", heartbeat_minutes_ago=4)
    assert scheduling.overdue_shops() == []  # alive (or not yet known dead): its lease holds the shop
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=6))
    assert scheduling.overdue_shops() == [SHOP]
    SyncRun.objects.filter(pk=run.pk).update(status="failed")  # taken over: the next tick is on time
    assert scheduling.overdue_shops() == []


def test_a_sweep_on_a_host_whose_clock_runs_ahead_sees_a_live_lease_and_an_on_time_shop(
    installed_shop, monkeypatch
):
    """Leases and lateness on the database's clock: a sweep on a host 10 minutes ahead neither takes over
    a run that beat 4 minutes ago nor finds late a shop whose last run was created 40 minutes ago."""
    SyncSettings.objects.filter(shop=installed_shop).update(sync_interval_minutes=30)
    run = _run_created(installed_shop, minutes_ago=7, status="running", heartbeat_minutes_ago=4)
    real = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real() + timedelta(minutes=10))
    assert scheduling.overdue_shops() == []
    SyncRun.objects.filter(pk=run.pk).update(status="succeeded", created_at=real() - timedelta(minutes=40))
    assert scheduling.overdue_shops() == []


def test_the_sweep_queues_a_tick_for_each_overdue_shop_and_the_tick_takes_over(installed_shop):
    """The sweep's tick fails the dead worker's run (`worker_lost`) and starts a new one."""
    SyncSettings.objects.filter(shop=installed_shop).update(sync_interval_minutes=5)
    dead = _run_created(installed_shop, minutes_ago=20, status="running", heartbeat_minutes_ago=6)
    assert tasks.sweep_overdue() == 1
    [queued] = OrmQ.objects.all()
    assert (queued.func(), queued.task["args"], queued.task["group"]) == (
        scheduling.TASK,
        (SHOP, False),
        scheduling.SWEEP,
    )
    tasks.scheduled_sync(*queued.task["args"])
    dead.refresh_from_db()
    assert (dead.status, dead.error_code) == ("failed", "worker_lost")
    latest = SyncRun.objects.latest("created_at")
    assert (latest.trigger, latest.status) == ("schedule", "succeeded")
    assert tasks.sweep_overdue() == 0 and OrmQ.objects.count() == 1


def test_each_worker_start_ensures_exactly_one_sweep_schedule(db):
    from django_q.signals import post_spawn

    post_spawn.send(sender="django_q", proc_name="worker-1")
    post_spawn.send(sender="django_q", proc_name="worker-2")
    [sweep] = Schedule.objects.filter(name=scheduling.SWEEP)
    assert (sweep.func, sweep.schedule_type, sweep.minutes, sweep.repeats) == (
        "integration_app.tasks.sweep_overdue",
        Schedule.MINUTES,
        1,
        -1,
    )
    Schedule.objects.create(name=scheduling.SWEEP, func=scheduling.SWEEP_TASK)  # a race's second row
    scheduling.ensure_sweep()
    assert list(Schedule.objects.filter(name=scheduling.SWEEP).values_list("pk", flat=True)) == [sweep.pk]
