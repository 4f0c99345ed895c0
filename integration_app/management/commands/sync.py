"""`manage.py sync SHOP [--kind all|customers|pricing] [--full] [--dry-run]`: one sync in the foreground."""

from django.core.management.base import BaseCommand, CommandError

from integration_app.models import RunKind, RunStatus, RunTrigger, Shop
from integration_app.progress import TqdmProgress, print_run_summary
from integration_app.sync_control import RunInProgress, claim_run, start_run
from syncs.runner import execute

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
            raise CommandError(
                f"Run {exc.run_id} of {shop.domain} is in progress; try again when it ends.", returncode=2
            ) from None
        run = claim_run(run.pk)
        progress = TqdmProgress(disable=options["no_progress"], file=self.stderr._out)
        try:
            execute(run, progress=progress)
        finally:
            progress.close()
        print_run_summary(run, self.stdout)
        raise SystemExit(EXIT_CODES[run.status])
