"""The shop's django-q2 schedules: an incremental sync every N minutes, a full sync every N hours.

The scheduler enqueues; `integration_app.tasks.scheduled_sync` starts the run, and the one-active-run
constraint on `SyncRun` turns a collision (a manual run, the other schedule, a second cluster) into a
skipped tick, never into two runs.

One fleet-wide schedule, the sweep (`integration_app.tasks.sweep_overdue`, every minute, created when a
worker starts), queues a tick for every scheduled shop without a run for longer than its interval plus
`overdue_grace` (a tick that a killed worker had taken from the broker is gone with it) and for every
shop whose active run's lease expired (ticks that met a dead worker's run were skipped): such shops run
within a minute.
"""

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Now
from django.utils import timezone
from django_q.models import Schedule

from .models import RunStatus, Shop, SyncRun
from .runs.control import QUEUED_STALE_AFTER, RUNNING_STALE_AFTER

TASK = "integration_app.tasks.scheduled_sync"
SWEEP = "cin7-sync sweep"
SWEEP_TASK = "integration_app.tasks.sweep_overdue"


def schedule_name(shop: Shop, kind: str) -> str:
    return f"cin7-sync {shop.domain} {kind}"


def should_schedule(shop: Shop) -> bool:
    sync_settings = getattr(shop, "sync_settings", None)
    return (
        shop.is_installed
        and sync_settings is not None
        and sync_settings.sync_enabled
        and hasattr(shop, "cin7")
        and bool(sync_settings.customer_tags)
    )


def update_schedules(shop: Shop) -> None:
    """Create, change or remove the shop's schedules to match its settings."""
    if not should_schedule(shop):
        remove_schedules(shop)
        return
    sync_settings = shop.sync_settings
    now = timezone.now()
    for kind, minutes, full in (
        ("incremental", sync_settings.sync_interval_minutes, False),
        ("full", sync_settings.full_sync_interval_hours * 60, True),
    ):
        schedule = Schedule.objects.filter(name=schedule_name(shop, kind)).first()
        if schedule is None:
            schedule = Schedule(name=schedule_name(shop, kind), func=TASK)
            # The first full run starts now; the first incremental one after a full interval.
            schedule.next_run = now if full else now + timedelta(minutes=minutes)
        elif schedule.minutes != minutes:
            schedule.next_run = min(schedule.next_run or now, now + timedelta(minutes=minutes))
        schedule.schedule_type = Schedule.MINUTES
        schedule.minutes = minutes
        schedule.repeats = -1
        schedule.args = repr((shop.domain, full))
        schedule.save()


def ensure_sweep(**_signal) -> None:
    """Create the fleet-wide sweep schedule unless it exists; called as each django-q worker process
    starts (`post_spawn`), so it exists wherever a cluster runs. Two workers starting together may both
    create it: the extra one is deleted."""
    ids = list(Schedule.objects.filter(name=SWEEP).order_by("pk").values_list("pk", flat=True))
    if not ids:
        Schedule.objects.create(
            name=SWEEP, func=SWEEP_TASK, schedule_type=Schedule.MINUTES, minutes=1, repeats=-1
        )
    elif len(ids) > 1:
        Schedule.objects.filter(pk__in=ids[1:]).delete()


def overdue_grace(interval: timedelta) -> timedelta:
    """How late past its interval a shop's run may be before the sweep queues one: half an interval, at
    least a minute (a tick's normal lag must not make the sweep double it)."""
    return max(timedelta(minutes=1), interval / 2)


def overdue_shops() -> list[str]:
    """Domains of scheduled shops that hold no live lease (see `runs.control`) and either hold an expired
    one (a dead worker's run: it is taken over at once) or whose last run was created more than an
    interval plus `overdue_grace` ago. A shop that never ran is left to its first (full) tick. Leases and
    lateness are judged on the database's clock (`Now()`), like the heartbeats, never on this host's."""
    runs = SyncRun.objects.filter(shop=OuterRef("pk"))
    running, queued = Q(status=RunStatus.RUNNING), Q(status=RunStatus.QUEUED)
    live = (running & Q(heartbeat_at__gte=Now() - RUNNING_STALE_AFTER)) | (
        queued & Q(heartbeat_at__gte=Now() - QUEUED_STALE_AFTER)
    )
    shops = (
        Shop.objects.filter(sync_settings__sync_enabled=True, uninstalled_at__isnull=True)
        .select_related("sync_settings", "cin7")
        .annotate(
            database_now=Now(),
            last_run_at=Subquery(runs.order_by("-created_at").values("created_at")[:1]),
            expired_lease=Exists(runs.filter(running | queued).exclude(live)),
        )
        .filter(last_run_at__isnull=False)
        .exclude(Exists(runs.filter(live)))
    )
    overdue = []
    for shop in shops:
        interval = timedelta(minutes=shop.sync_settings.sync_interval_minutes)
        late = shop.last_run_at < shop.database_now - interval - overdue_grace(interval)
        if should_schedule(shop) and (shop.expired_lease or late):
            overdue.append(shop.domain)
    return overdue


def remove_schedules(shop: Shop) -> None:
    Schedule.objects.filter(name__in=[schedule_name(shop, k) for k in ("incremental", "full")]).delete()


def next_runs(shop: Shop) -> dict:
    """When each schedule fires next (None when it does not exist)."""
    found = {
        s.name: s.next_run
        for s in Schedule.objects.filter(name__in=[schedule_name(shop, k) for k in ("incremental", "full")])
    }
    return {kind: found.get(schedule_name(shop, kind)) for kind in ("incremental", "full")}
