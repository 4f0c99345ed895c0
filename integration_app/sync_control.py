"""Starting runs: at most one active run per shop, stale runs expired, held invites released."""

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_q.tasks import async_task

from syncs.invites import release_held

from .models import ACTIVE_STATUSES, RunStatus, Shop, SyncRun

logger = logging.getLogger(__name__)

RUNNING_STALE_AFTER = timedelta(minutes=5)
QUEUED_STALE_AFTER = timedelta(hours=1)


class RunInProgress(Exception):
    def __init__(self, run_id: int | None):
        self.run_id = run_id
        super().__init__(f"Run {run_id} is in progress")


def expire_stale_runs(shop: Shop) -> int:
    """Fail runs whose worker stopped sending heartbeats (killed, crashed, machine gone)."""
    now = timezone.now()
    expired = 0
    for status, age in ((RunStatus.RUNNING, RUNNING_STALE_AFTER), (RunStatus.QUEUED, QUEUED_STALE_AFTER)):
        expired += SyncRun.objects.filter(shop=shop, status=status, heartbeat_at__lt=now - age).update(
            status=RunStatus.FAILED,
            finished_at=now,
            error_code="worker_lost",
            error_message="The worker running this sync stopped responding; the next sync resumes.",
        )
    if expired:
        logger.warning("Expired %s stale run(s) of %s", expired, shop.domain)
    return expired


def start_run(shop: Shop, *, kind: str, full: bool, dry_run: bool, trigger: str) -> SyncRun:
    """Create a queued run, or raise `RunInProgress` when the shop already has an active one."""
    expire_stale_runs(shop)
    try:
        with transaction.atomic():
            return SyncRun.objects.create(
                shop=shop, kind=kind, full=full, dry_run=dry_run, trigger=trigger, heartbeat_at=timezone.now()
            )
    except IntegrityError:
        active = SyncRun.objects.filter(shop=shop, status__in=ACTIVE_STATUSES).first()
        raise RunInProgress(active.pk if active else None) from None


def claim_run(run_id: int) -> SyncRun | None:
    """Move a queued run to running; None when it is no longer queued (expired, or taken)."""
    now = timezone.now()
    if not SyncRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=now, heartbeat_at=now
    ):
        return None
    return SyncRun.objects.select_related("shop").get(pk=run_id)


def release_invites(shop: Shop, cin7_ids: list[str] | None) -> int:
    """Release held invites and send them now (in a worker)."""
    released = release_held(shop, cin7_ids)
    if released:
        async_task("integration_app.tasks.send_invites", shop.domain, task_name=f"invites {shop.domain}")
    return released
