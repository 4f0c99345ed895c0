"""`manage.py sync SHOP [--kind all|customers|pricing] [--full] [--dry-run]`: one sync in the foreground."""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from integration_app.models import RunKind, RunStatus, RunTrigger, Shop, SyncRun
from integration_app.runs.control import (
    RunInProgress,
    abandon_run,
    claim_run,
    keep_alive,
    lease_expires_at,
    start_run,
)
from integration_app.runs.execute import execute
from integration_app.runs.processes import current_process
from integration_app.runs.progress import TqdmProgress, print_run_summary

EXIT_CODES = {RunStatus.SUCCEEDED: 0, RunStatus.COMPLETED_WITH_ISSUES: 1, RunStatus.FAILED: 2}


class Command(BaseCommand):
    help = "Run one sync of SHOP in the foreground with a progress bar; exit 0 ok, 1 issues, 2 failed."

    def add_arguments(self, parser):
        parser.add_argument("shop", help="the shop's myshopify.com domain")
        parser.add_argument("--kind", choices=RunKind.values, default=RunKind.ALL)
        parser.add_argument("--full", action="store_true", help="read everything, not only changes")
        parser.add_argument(
            "--dry-run", action="store_true", help="compute and record changes, write nothing"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars (logs only)")

    def handle(self, *args, **options):
        shop = Shop.objects.filter(domain=options["shop"].lower()).first()
        if shop is None:
            raise CommandError(f"No shop {options['shop']} has installed the app.", returncode=2)
        try:
            run = start_run(
                shop,
                kind=options["kind"],
                full=options["full"],
                dry_run=options["dry_run"],
                trigger=RunTrigger.COMMAND,
            )
        except RunInProgress as exc:
            raise CommandError(_in_progress(shop, exc.run_id), returncode=2) from None
        run = claim_run(run.pk)
        progress = TqdmProgress(disable=options["no_progress"], file=self.stderr._out)
        # SIGTERM (a stopped container, `kill`) ends the run like Ctrl-C: failed at once, not left holding
        # the shop's lease for minutes. Only SIGKILL leaves it to expire.
        main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _interrupt) if main_thread else None
        try:
            with keep_alive(run.pk):  # a long Cin7 back-off writes nothing, yet the run is alive
                execute(run, progress=progress)
        except KeyboardInterrupt:
            progress.close()
            abandon_run(run.pk, "The sync was stopped (interrupted or terminated); the next sync resumes.")
        finally:
            if main_thread:
                signal.signal(signal.SIGTERM, previous)
            progress.close()
        print_run_summary(run, self.stdout)  # reads the run as stored (an interrupted run: failed)
        raise SystemExit(EXIT_CODES.get(run.status, EXIT_CODES[RunStatus.FAILED]))


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _in_progress(shop: Shop, run_id: int | None) -> str:
    message = f"Run {run_id} of {shop.domain} is in progress; try again when it ends."
    run = SyncRun.objects.filter(pk=run_id).first() if run_id else None
    if run is None or run.heartbeat_at is None:
        return message
    quiet = max(0, round((timezone.now() - run.heartbeat_at).total_seconds()))
    if run.worker_pid and run.worker_start and run.worker_host == current_process().host:
        return (
            f"{message} Its process {run.worker_pid} still runs on this host; once it ends, or is killed, "
            "a new sync can start at once."
        )
    expires = timezone.localtime(lease_expires_at(run))
    return (
        f"{message} It last showed signs of life {quiet} s ago. If its process was killed, the shop is "
        f"released at {expires:%H:%M:%S} ({expires:%Z}), when that run is marked failed and a new sync can "
        "start; nothing is lost, the new sync resumes where it stopped."
    )
