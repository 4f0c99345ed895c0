"""Prepare a fleet database, run as `python -m integration_app.bench.fleet.setup` with the production
settings (DATABASE_URL=postgres://…): migrate, then install the shops given as JSON on stdin
(`{"interval_minutes", "lead_seconds", ["spread_seconds",] "shops": [{"domain", "token", "cin7_account_id",
"cin7_api_key"}]}`) the way a merchant does (shop facts and webhook read from Shopify, Cin7 credentials, tag
`b2b`). Then each shop's first run is due at a point spread evenly over `spread_seconds` (default: the first
interval, as shops installed at different times are; 0: all due at once), which starts `lead_seconds` from
now. Prints `{"shops", "schedules", "first_due"}` (epoch seconds) as JSON. The fleet benchmark and the
scale-out test both prepare their databases with it."""

import json
import sys
from datetime import datetime, timedelta

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_q.models import Schedule  # noqa: E402

from integration_app import scheduling  # noqa: E402
from integration_app.install.setup import after_install  # noqa: E402
from integration_app.models import Cin7Connection, Shop, SyncSettings  # noqa: E402


def install(entry: dict, interval_minutes: int) -> Shop:
    shop = Shop.objects.create(
        domain=entry["domain"], access_token=entry["token"], installed_at=timezone.now()
    )
    if not after_install(shop):
        raise SystemExit(f"after_install failed for {shop.domain}")
    Cin7Connection.objects.create(
        shop=shop, account_id=entry["cin7_account_id"], api_key=entry["cin7_api_key"]
    )
    # The interval may be shorter than the settings page allows (5 minutes): a benchmark compresses time.
    SyncSettings.objects.filter(shop=shop).update(
        customer_tags=["b2b"], notification_emails=[], sync_interval_minutes=interval_minutes
    )
    scheduling.update_schedules(Shop.objects.get(pk=shop.pk))
    return shop


def stagger(shops: list[Shop], interval_minutes: int, start: datetime, spread: timedelta) -> None:
    """Shop n's first (full) run is due at start + n/N of `spread`, its first incremental one an interval
    later."""
    interval = timedelta(minutes=interval_minutes)
    for n, shop in enumerate(shops):
        due = start + spread * (n / len(shops))
        for kind, at in (("full", due), ("incremental", due + interval)):
            Schedule.objects.filter(name=scheduling.schedule_name(shop, kind)).update(next_run=at)


def main() -> None:
    spec = json.load(sys.stdin)
    call_command("migrate", verbosity=0)
    shops, interval = spec["shops"], spec["interval_minutes"]
    installed = [install(entry, interval) for entry in shops]
    start = timezone.now() + timedelta(seconds=spec["lead_seconds"])
    spread = timedelta(seconds=spec.get("spread_seconds", interval * 60))
    stagger(installed, interval, start, spread)
    counts = {"shops": Shop.objects.count(), "schedules": Schedule.objects.count()}
    print(json.dumps({**counts, "first_due": start.timestamp()}))


if __name__ == "__main__":
    main()
