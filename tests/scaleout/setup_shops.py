"""Prepare the scale-out database, run as `python -m tests.scaleout.setup_shops` with the production
settings (integration_app.settings, DATABASE_URL=postgres://…): migrate, install the shops given as JSON on
stdin ([{"domain", "token", "cin7_account_id", "cin7_api_key"}]) and make each shop's full sync due now."""

import json
import sys
from datetime import timedelta

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_q.models import Schedule  # noqa: E402

from integration_app import scheduling  # noqa: E402
from integration_app.install.setup import after_install  # noqa: E402
from integration_app.models import Cin7Connection, Shop, SyncSettings  # noqa: E402


def main() -> None:
    shops = json.load(sys.stdin)
    call_command("migrate", verbosity=0)
    for entry in shops:
        shop = Shop.objects.create(
            domain=entry["domain"], access_token=entry["token"], installed_at=timezone.now()
        )
        if not after_install(shop):
            raise SystemExit(f"after_install failed for {shop.domain}")
        Cin7Connection.objects.create(
            shop=shop, account_id=entry["cin7_account_id"], api_key=entry["cin7_api_key"]
        )
        SyncSettings.objects.filter(shop=shop).update(customer_tags=["b2b"], notification_emails=[])
        shop = Shop.objects.get(pk=shop.pk)
        scheduling.update_schedules(shop)
        # Due now (the scheduler takes schedules whose next_run has passed).
        Schedule.objects.filter(name=scheduling.schedule_name(shop, "full")).update(
            next_run=timezone.now() - timedelta(seconds=1)
        )
    print(json.dumps({"shops": Shop.objects.count(), "schedules": Schedule.objects.count()}))


if __name__ == "__main__":
    main()
