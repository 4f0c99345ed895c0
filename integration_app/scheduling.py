"""The shop's django-q2 schedules: an incremental sync every N minutes, a full sync every N hours.

The scheduler enqueues; `integration_app.tasks.scheduled_sync` starts the run, and the one-active-run
constraint on `SyncRun` turns a collision (a manual run, the other schedule, a second cluster) into a
skipped tick, never into two runs.
"""

from datetime import timedelta

from django.utils import timezone
from django_q.models import Schedule

from .models import Shop

TASK = "integration_app.tasks.scheduled_sync"


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


def remove_schedules(shop: Shop) -> None:
    Schedule.objects.filter(name__in=[schedule_name(shop, k) for k in ("incremental", "full")]).delete()


def next_runs(shop: Shop) -> dict:
    """When each schedule fires next (None when it does not exist)."""
    found = {
        s.name: s.next_run
        for s in Schedule.objects.filter(name__in=[schedule_name(shop, k) for k in ("incremental", "full")])
    }
    return {kind: found.get(schedule_name(shop, kind)) for kind in ("incremental", "full")}
