"""`manage.py sync SHOP …`: a foreground run with a summary; exit 0 ok, 1 issues, 2 failed (contract §5)."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from integration_app.models import Cin7Connection, SyncRun
from integration_app.runs.processes import current_process
from tests.conftest import SHOP
from tests.helpers import b2b_customer

pytestmark = pytest.mark.django_db(transaction=True)


def sync(*args):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("sync", SHOP, *args, "--no-progress", stdout=out, stderr=err)
    return exit_info.value.code, out.getvalue()


def test_exit_codes_and_summary(installed_shop, cin7_account):
    cin7_account.add_customer(b2b_customer("Ann Lee", "ann@example.com"))
    code, out = sync("--kind", "customers", "--full")
    assert code == 0 and "succeeded" in out and "created" in out
    cin7_account.add_customer(
        {**b2b_customer("No Mail", "x@y.example"), "Contacts": [{"Name": "N", "Default": True}]}
    )
    code, out = sync("--kind", "customers")
    assert code == 1 and "[no_email]" in out
    Cin7Connection.objects.update(api_key="bad-key")
    code, out = sync()
    assert code == 2 and "Failed:" in out and "bad-key" not in out


def test_dry_run_writes_nothing(installed_shop, cin7_account, shopify_sandbox):
    cin7_account.add_customer(b2b_customer("Ann Lee", "ann@example.com"))
    writes = shopify_sandbox.writes()
    code, out = sync("--dry-run", "--full")
    assert code in (0, 1) and "dry run" in out and shopify_sandbox.writes() == writes
    assert SyncRun.objects.get().dry_run


def test_unknown_shop_and_a_run_in_progress(installed_shop):
    # No sync ran: exit 2 ("failed"), never 1, which would claim a run that completed with issues.
    with pytest.raises(CommandError, match="No shop") as refused:
        call_command("sync", "nobody.myshopify.com")
    assert refused.value.returncode == 2
    SyncRun.objects.create(shop=installed_shop, kind="all", trigger="schedule", status="running")
    with pytest.raises(CommandError, match="in progress") as refused:
        call_command("sync", SHOP)
    assert refused.value.returncode == 2


def test_a_run_in_progress_in_a_live_process_of_this_host_is_named(installed_shop):
    me = current_process()
    run = SyncRun.objects.create(
        shop=installed_shop, kind="all", trigger="schedule", status="running", heartbeat_at=timezone.now(),
        worker_host=me.host, worker_pid=me.pid, worker_start=me.start,
    )  # fmt: skip
    with pytest.raises(CommandError) as refused:
        call_command("sync", SHOP)
    assert f"Run {run.pk} of {SHOP} is in progress" in str(refused.value)
    assert f"Its process {me.pid} still runs on this host" in str(refused.value)
