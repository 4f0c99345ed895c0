"""Starting runs: at most one active run per shop, stale runs expired, history pruned.

The lease: a `SyncRun` in `queued` or `running` state *is* the shop's lock. A partial unique constraint
(`one_active_run_per_shop`) lets the database refuse a second one, whichever process or machine asks, so
no lock server is needed. A running run proves it is alive by its `heartbeat_at`; a run silent for longer
than `RUNNING_STALE_AFTER` (its worker was killed, crashed or lost its machine) is failed with
`worker_lost` by the next `start_run`, and that run proceeds. A running run records its process (host,
pid, start); when that process ran on the starting host and is gone, the run is failed at once.

Fencing: heartbeats and their expiry use the database's clock (`Now()`), never a host's. Every renewal is
conditional on the run still running; a renewal that finds it no longer running means the lease is gone,
and the run stops (`syncs.context.LeaseLost`) before its next write and saves nothing.
"""

import logging
import threading
from contextlib import contextmanager
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from ..models import ACTIVE_STATUSES, RunStatus, Shop, SyncIssue, SyncRun
from .processes import current_process, is_gone

logger = logging.getLogger(__name__)

RUNNING_STALE_AFTER = timedelta(minutes=5)
QUEUED_STALE_AFTER = timedelta(hours=1)
# A worker's background heartbeat, independent of the jobs' progress (a long Cin7 back-off writes nothing).
KEEP_ALIVE_EVERY = timedelta(seconds=60)
# Run history: runs younger than RETAIN_DAYS or among the shop's last RETAIN_RUNS are kept (the union).
RETAIN_DAYS = 90
RETAIN_RUNS = 500


class RunInProgress(Exception):
    def __init__(self, run_id: int | None):
        self.run_id = run_id
        super().__init__(f"Run {run_id} is in progress")


def expire_stale_runs(shop: Shop) -> int:
    """Fail runs whose worker stopped sending heartbeats (killed, crashed, machine gone), and running runs
    whose process on this host is gone."""
    now = timezone.now()
    expired = 0
    for status, age in ((RunStatus.RUNNING, RUNNING_STALE_AFTER), (RunStatus.QUEUED, QUEUED_STALE_AFTER)):
        expired += SyncRun.objects.filter(shop=shop, status=status, heartbeat_at__lt=Now() - age).update(
            status=RunStatus.FAILED,
            finished_at=now,
            error_code="worker_lost",
            error_message="The worker running this sync stopped responding; the next sync resumes.",
        )
    if expired:
        logger.warning("Expired %s stale run(s) of %s", expired, shop.domain)
    return expired + _fail_runs_of_gone_processes(shop)


def _fail_runs_of_gone_processes(shop: Shop) -> int:
    """Fail running runs whose process ran on this host and is gone (SIGKILL, a killed qcluster worker)."""
    failed = 0
    running = SyncRun.objects.filter(shop=shop, status=RunStatus.RUNNING, worker_pid__isnull=False)
    for run_id, host, pid, start in running.values_list("pk", "worker_host", "worker_pid", "worker_start"):
        if is_gone(host, pid, start) and abandon_run(
            run_id, f"The process running this sync (pid {pid}) is gone; the next sync resumes."
        ):
            logger.warning("Run %s of %s failed: its process %s is gone", run_id, shop.domain, pid)
            failed += 1
    return failed


def abandon_run(run_id: int, message: str) -> bool:
    """Fail a running run whose process is stopping (Ctrl-C, SIGTERM) now, rather than leaving its lease
    to expire: the next sync need not wait `RUNNING_STALE_AFTER`. False if the run had already ended."""
    now = timezone.now()
    with transaction.atomic():
        ended = SyncRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED, finished_at=now, error_code="worker_lost", error_message=message
        )
        if ended:
            SyncIssue.objects.create(run_id=run_id, code="worker_lost", message=message)
    return bool(ended)


def lease_expires_at(run: SyncRun):
    """When an active run that stops beating will be failed by the next `start_run` (database clock)."""
    age = RUNNING_STALE_AFTER if run.status == RunStatus.RUNNING else QUEUED_STALE_AFTER
    return (run.heartbeat_at or run.created_at) + age


def start_run(shop: Shop, *, kind: str, full: bool, dry_run: bool, trigger: str) -> SyncRun:
    """Create a queued run, or raise `RunInProgress` when the shop already has an active one."""
    expire_stale_runs(shop)
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(
                shop=shop, kind=kind, full=full, dry_run=dry_run, trigger=trigger, heartbeat_at=Now()
            )
    except IntegrityError:
        active = SyncRun.objects.filter(shop=shop, status__in=ACTIVE_STATUSES).first()
        raise RunInProgress(active.pk if active else None) from None
    run.refresh_from_db(fields=["heartbeat_at"])
    return run


def claim_run(run_id: int) -> SyncRun | None:
    """Move a queued run to running in this process (recorded on the run); None when it is no longer
    queued (expired, or taken)."""
    now = timezone.now()
    process = current_process()
    if not SyncRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING,
        started_at=now,
        heartbeat_at=Now(),
        worker_host=process.host,
        worker_pid=process.pid,
        worker_start=process.start,
    ):
        return None
    return SyncRun.objects.select_related("shop").get(pk=run_id)


_fenced: set[int] = set()  # runs whose background heartbeat found their lease gone


def renew_lease(run_id: int, **fields) -> bool:
    """Beat the run's heartbeat (database clock), with `fields`, if it still holds its lease; False when it
    lost it (no longer running: failed as `worker_lost` by another process, or ended by an operator)."""
    if run_id in _fenced:
        return False
    renewed = SyncRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(heartbeat_at=Now(), **fields)
    return bool(renewed)


@contextmanager
def keep_alive(run_id: int, every: timedelta = KEEP_ALIVE_EVERY):
    """Beat the run's heartbeat from a background thread while the block runs.

    The jobs beat too, but only when they write; a worker stuck in Cin7's throttling back-off for minutes
    is alive and must keep its lease. If the process dies, the thread dies with it and the lease expires.
    A failed beat drops the thread's connection (the next beat opens a new one); a beat that finds the
    lease gone marks the run fenced (its next heartbeat raises `LeaseLost`) and stops beating.
    """
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(every.total_seconds()):
                try:
                    held = renew_lease(run_id)
                except Exception:  # a missed beat is harmless; the next one (or the jobs') follows
                    logger.warning("Heartbeat of run %s not recorded; reconnecting", run_id, exc_info=True)
                    _drop_connection()
                    continue
                if not held:
                    _fenced.add(run_id)
                    logger.warning("Run %s lost its lease; it stops before its next write", run_id)
                    return
        finally:
            _drop_connection()

    thread = threading.Thread(target=beat, name=f"run-{run_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)
        _fenced.discard(run_id)


def _drop_connection() -> None:
    """Close this thread's database connection, even a broken one; Django opens a new one when needed."""
    try:
        connection.close()
    except Exception:
        logger.warning("Closing a broken heartbeat connection failed", exc_info=True)


def prune_runs(shop: Shop, *, now=None) -> int:
    """Delete old finished runs (and their issues): keep RETAIN_DAYS days or the last RETAIN_RUNS runs of
    the shop, whichever keeps more. Active runs are never deleted. Returns the number of runs deleted."""
    now = now or timezone.now()
    runs = SyncRun.objects.filter(shop=shop)
    boundary = runs.order_by("-created_at", "-id").values_list("created_at", "id")[
        RETAIN_RUNS - 1 : RETAIN_RUNS
    ]
    boundary = next(iter(boundary), None)
    if boundary is None:  # RETAIN_RUNS runs or fewer: all kept
        return 0
    created_at, run_id = boundary
    old = (
        runs.filter(created_at__lt=now - timedelta(days=RETAIN_DAYS))
        .filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=run_id))
        .exclude(status__in=ACTIVE_STATUSES)
    )
    ids = list(old.values_list("id", flat=True))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        with transaction.atomic():
            SyncIssue.objects.filter(run_id__in=chunk).delete()
            SyncRun.objects.filter(pk__in=chunk).delete()
    if ids:
        logger.info("Pruned %s old run(s) of %s", len(ids), shop.domain)
    return len(ids)
