"""Existing customers found by one bulk export on a first sync (issue 26, syncs/customers/existing.py): the
same adoptions as the per-email look-ups, and a run killed during the export resumed by reading it."""

import pytest

from connectors.shopify.admin import ShopifyAdmin
from connectors.shopify.sandbox.context import BulkModel
from integration_app.models import CustomerLink, PendingBulkOperation, SyncRun
from syncs.context import WriteLimitReached
from syncs.customers import existing
from syncs.customers.bulk_create import BulkCreator
from syncs.customers.existing import ExistingCustomers
from tests.helpers import b2b_customer, run_sync

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fast_bulk(shopify_sandbox, monkeypatch):
    """Exports and bulk creations from 3 customers; operations start at once and run fast."""
    shopify_sandbox.endpoint.bulk_model = BulkModel(
        rows_per_second=1000, startup_seconds=0, export_startup_seconds=0, export_rows_per_second=10_000
    )
    monkeypatch.setattr(ExistingCustomers, "threshold", 3)
    monkeypatch.setattr(BulkCreator, "threshold", 3)


def seed(cin7_account, sandbox_shop) -> dict[str, str]:
    """Six Cin7 buyers (one email with spaces and capitals in Cin7); Shopify already has three of their
    emails (one in other capitals) and one that only looks alike. Returns the existing Shopify IDs."""
    for n in range(6):
        email = "  Buyer1@EXAMPLE.com " if n == 1 else f"buyer{n}@example.com"
        cin7_account.add_customer(b2b_customer(f"Buyer {n}", email, phone=f"415 555 01{n:02d}"))
    emails = ("buyer0@example.com", "BUYER1@Example.COM", "buyer2@example.com", "buyer3@example.co")
    for email in emails:
        sandbox_shop.add_customer(email=email, tags=["merchant"])
    return {c.email: c.id for c in sandbox_shop.customers.values()}


def export_starts(shopify_sandbox) -> int:
    return sum("bulkOperationRunQuery" in call.root_fields for call in shopify_sandbox.calls)


def lookups(shopify_sandbox) -> int:
    return sum(call.operation_name == "CustomersByEmail" for call in shopify_sandbox.calls)


def links_by_email(sandbox_shop) -> dict[str, tuple[str, bool]]:
    """Cin7 email -> (the Shopify email of its customer, created by the app)."""
    emails = {c.id: c.email for c in sandbox_shop.customers.values()}
    return {link.email: (emails[link.shopify_id], link.created_by_app) for link in CustomerLink.objects.all()}


@pytest.mark.parametrize("found_by", ["export", "lookups"])
def test_the_export_adopts_exactly_what_the_lookups_adopt(
    installed_shop, cin7_account, sandbox_shop, shopify_sandbox, fast_bulk, monkeypatch, found_by
):
    existing_ids = seed(cin7_account, sandbox_shop)
    if found_by == "lookups":
        monkeypatch.setattr(ExistingCustomers, "threshold", 1000)
    run = run_sync(installed_shop, kind="customers")
    assert run.status == "succeeded", run.error_message
    assert run.counts["created"] == 3 and run.counts["updated"] == 3
    if found_by == "export":
        assert export_starts(shopify_sandbox) == 1 and lookups(shopify_sandbox) == 0
    else:
        assert export_starts(shopify_sandbox) == 0 and lookups(shopify_sandbox) == 1
    assert links_by_email(sandbox_shop) == {
        "buyer0@example.com": ("buyer0@example.com", False),
        "buyer1@example.com": ("buyer1@example.com", False),  # adopted (case aside the same email)
        "buyer2@example.com": ("buyer2@example.com", False),
        "buyer3@example.com": ("buyer3@example.com", True),  # "buyer3@example.co" is another email
        "buyer4@example.com": ("buyer4@example.com", True),
        "buyer5@example.com": ("buyer5@example.com", True),
    }
    adopted = {link.shopify_id for link in CustomerLink.objects.filter(created_by_app=False)}
    assert adopted == {
        existing_ids[e] for e in ("buyer0@example.com", "BUYER1@Example.COM", "buyer2@example.com")
    }
    assert len(sandbox_shop.customers) == 7 and not PendingBulkOperation.objects.exists()
    rerun = run_sync(installed_shop, kind="customers")
    assert rerun.counts["created"] == 0 and export_starts(shopify_sandbox) == int(found_by == "export")


def test_an_email_two_shopify_customers_share_is_looked_up(
    installed_shop, cin7_account, sandbox_shop, shopify_sandbox, fast_bulk
):
    seed(cin7_account, sandbox_shop)
    sandbox_shop.add_customer(email="BUYER0@example.com")  # the same email as buyer0's, normalised
    run = run_sync(installed_shop, kind="customers")
    assert run.status == "succeeded", run.error_message
    assert export_starts(shopify_sandbox) == 1 and lookups(shopify_sandbox) == 1
    assert sum(c.email.strip().lower() == "buyer0@example.com" for c in sandbox_shop.customers.values()) == 2


def _kill_waiting_for_export(monkeypatch) -> None:
    """The worker dies while it waits for the customer export (which keeps running in Shopify)."""

    def wait(client, operation_id):
        raise WriteLimitReached("killed while waiting for the export")

    monkeypatch.setattr(existing, "wait_for_bulk_query", wait)


def test_killed_during_the_export_the_rerun_reads_it_and_duplicates_nothing(
    installed_shop, cin7_account, sandbox_shop, shopify_sandbox, fast_bulk, monkeypatch
):
    seed(cin7_account, sandbox_shop)
    with monkeypatch.context() as patch:
        _kill_waiting_for_export(patch)
        with pytest.raises(WriteLimitReached):
            run_sync(installed_shop, kind="customers")
    assert PendingBulkOperation.objects.get().kind == "customer_export"
    assert len(sandbox_shop.customers) == 4  # nothing created yet
    SyncRun.objects.filter(status="running").update(heartbeat_at="2020-01-01T00:00:00Z")
    rerun = run_sync(installed_shop, kind="customers")
    assert rerun.status == "succeeded", rerun.error_message
    assert export_starts(shopify_sandbox) == 1  # the kept export was read, not started again
    assert len(sandbox_shop.customers) == 7 and not PendingBulkOperation.objects.exists()
    emails = sorted(c.email.strip().lower() for c in sandbox_shop.customers.values())
    assert len(set(emails)) == len(emails)
    assert CustomerLink.objects.filter(created_by_app=False).count() == 3


def test_killed_while_creating_after_the_export_the_rerun_exports_again(
    installed_shop, cin7_account, sandbox_shop, shopify_sandbox, fast_bulk, monkeypatch
):
    seed(cin7_account, sandbox_shop)
    with monkeypatch.context() as patch:
        patch.setattr(BulkCreator, "threshold", 1000)  # single creates: links marked first
        real = ShopifyAdmin.create_customer

        def create_then_die(self, *args, **kwargs):
            real(self, *args, **kwargs)
            raise WriteLimitReached("killed right after a create")

        patch.setattr(ShopifyAdmin, "create_customer", create_then_die)
        with pytest.raises(WriteLimitReached):
            run_sync(installed_shop, kind="customers")
    assert len(sandbox_shop.customers) == 5 and not PendingBulkOperation.objects.exists()
    SyncRun.objects.filter(status="running").update(heartbeat_at="2020-01-01T00:00:00Z")
    rerun = run_sync(installed_shop, kind="customers")
    assert rerun.status == "succeeded", rerun.error_message
    assert export_starts(shopify_sandbox) == 2  # a new export holds what the killed run created
    emails = sorted(c.email.strip().lower() for c in sandbox_shop.customers.values())
    assert len(emails) == 7 and len(set(emails)) == 7
