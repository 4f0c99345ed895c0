"""django-q2 task entry points (dotted paths are what schedules and `async_task` store)."""

import logging
import os
import socket
from datetime import timedelta

from django.utils import timezone
from django_q.tasks import async_task

from . import cin7_registration, scheduling
from .models import (
    RunKind,
    RunTrigger,
    Shop,
)
from .pacing import prune_paces
from .runs.control import RunInProgress, claim_run, keep_alive, prune_runs, start_run
from .runs.execute import execute
from .runs.hooks import after_run
from .runs.invites import send_due_invites
from .shopify_api import admin_api
from .webhooks import cin7, compliance

logger = logging.getLogger(__name__)


def handle_compliance_request(request_id: int) -> dict:
    """One attempt at a stored privacy request (`webhooks.compliance.handle`); a failed one is retried by
    the sweep."""
    return {"request": request_id, "done": compliance.handle(request_id)}


# Tasks queued before privacy requests were stored as rows carry the request itself: stored now, and
# handled as new ones are (so they are retried too).
def customer_data_request(domain: str, payload: dict) -> None:
    compliance.handle(compliance.record("customers/data_request", domain, payload).pk)


def redact_customer(domain: str, payload: dict) -> None:
    compliance.handle(compliance.record("customers/redact", domain, payload).pk)


def redact_shop(domain: str) -> None:
    compliance.handle(compliance.record("shop/redact", domain, {}).pk)


def cin7_credentials_saved(domain: str) -> None:
    """Queued by a settings save with Cin7 credentials: the Cin7 side of it (`settle_credentials`)."""
    shop = Shop.objects.filter(domain=domain).first()
    if shop is not None:
        cin7_registration.settle_credentials(shop)


def execute_run(run_id: int) -> dict | None:
    """Run a queued `SyncRun` (queued by the API or a schedule), then prune the shop's old runs.

    Returns a small summary (stored as the django-q task result): which run, how it ended, which worker.
    """
    run = claim_run(run_id)
    if run is None:
        logger.info("Run %s is no longer queued; skipped", run_id)
        return None
    with keep_alive(run.pk):
        execute(run)
    after_run(run)
    try:
        prune_runs(run.shop)
    except Exception:  # history clean-up never fails a finished run
        logger.exception("Pruning the runs of %s failed", run.shop.domain)
    return {"run_id": run.pk, "status": run.status, "worker": f"{socket.gethostname()}:{os.getpid()}"}


def scheduled_sync(domain: str, full: bool) -> dict | None:
    """A schedule tick: an incremental run becomes full when the shop's full sync is due; a tick that
    meets an active run (a manual run, the other schedule, another cluster's tick) is skipped."""
    shop = Shop.objects.filter(domain=domain).select_related("sync_settings", "sync_state").first()
    if shop is None:
        return None
    if not scheduling.should_schedule(shop):  # a schedule left behind (settings changed meanwhile)
        logger.info("Scheduled sync of %s skipped: sync is off or not set up; schedules removed", domain)
        scheduling.remove_schedules(shop)
        return None
    if not full and _full_sync_due(shop):
        full = True
    try:
        run = start_run(shop, kind=RunKind.ALL, full=full, dry_run=False, trigger=RunTrigger.SCHEDULE)
    except RunInProgress as exc:
        logger.info("Scheduled sync of %s skipped: run %s in progress", domain, exc.run_id)
        return None
    return execute_run(run.pk)


def sweep_overdue() -> int:
    """The sweep schedule: queue a tick for every overdue shop (`scheduling.overdue_shops`); a tick that
    meets a run still holding the shop's lease is skipped as usual, and the next sweep tries again. Also
    queues privacy requests due for a retry, wakes Cin7 deliveries a dead run left waiting and prunes idle
    Cin7 pace rows. Returns the ticks queued."""
    compliance.queue_due_requests()
    cin7.wake_stranded()
    prune_paces()
    domains = scheduling.overdue_shops()
    for domain in domains:
        async_task(scheduling.TASK, domain, False, task_name=f"sweep {domain}", group=scheduling.SWEEP)
    if domains:
        logger.warning("Sweep: %s shop(s) overdue, ticks queued: %s", len(domains), ", ".join(domains[:20]))
    return len(domains)


def _full_sync_due(shop: Shop) -> bool:
    state = getattr(shop, "sync_state", None)
    last = state.last_full_customers_at if state else None
    hours = shop.sync_settings.full_sync_interval_hours
    return last is None or last < timezone.now() - timedelta(hours=hours)


def send_invites(domain: str) -> None:
    """Send released invites now, outside a run (each send is claimed, so a run cannot double it)."""
    shop = Shop.objects.filter(domain=domain).first()
    if shop is not None and shop.is_installed:
        send_due_invites(shop, admin_api(shop))
