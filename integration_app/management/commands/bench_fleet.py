"""`manage.py bench_fleet --shops N --workers W [--minutes T]`: a fleet of shops on PostgreSQL + Redis with
W `qcluster` processes against the sandboxes, measured (contract §5). It brings its own servers, sandboxes
and settings; the environment of this process is not used. Exit 1 when an invariant fails."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from integration_app.bench.fleet.bench import run_fleet
from integration_app.bench.fleet.options import Options
from integration_app.bench.fleet.report import report, verdicts
from integration_app.bench.fleet.servers import ServerError


class Command(BaseCommand):
    help = "Run N shops on PostgreSQL + Redis with W qcluster processes; print freshness, lag and limits."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--shops", type=int, required=True)
        parser.add_argument("--workers", type=int, required=True, help="qcluster processes")
        parser.add_argument("--minutes", type=float, default=10.0, help="measured minutes (default 10)")
        parser.add_argument("--interval", type=int, default=2, help="sync interval in minutes (default 2)")
        parser.add_argument("--q-workers", type=int, default=2, help="Q_WORKERS per qcluster (default 2)")
        parser.add_argument("--customers", type=int, default=10, help="Cin7 customers per shop")
        parser.add_argument("--products", type=int, default=20, help="Cin7 products per shop")
        parser.add_argument(
            "--cin7-latency", type=float, default=0.0, help="seconds each Cin7 call takes (default 0)"
        )
        parser.add_argument(
            "--kill-after", type=float, help="SIGKILL the first qcluster this many seconds into the run"
        )
        parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")

    def handle(self, *args, **options):
        if options["shops"] < 1 or options["workers"] < 1:
            raise CommandError("--shops and --workers must be at least 1.")
        fleet = Options(
            shops=options["shops"],
            workers=options["workers"],
            minutes=options["minutes"],
            interval_minutes=options["interval"],
            q_workers=options["q_workers"],
            customers=options["customers"],
            products=options["products"],
            kill_after=options["kill_after"],
            cin7_latency=options["cin7_latency"],
        )
        try:
            result = run_fleet(fleet, out=lambda line: self.stderr.write(line))
        except ServerError as error:
            raise CommandError(str(error)) from None
        self.stdout.write("\n".join(report(result)))
        if options["json"]:
            Path(options["json"]).write_text(json.dumps(result, indent=2))
        if not all(verdicts(result).values()):
            raise SystemExit(1)
