"""Contract §4 across runs: watermarks by kind, and skipped records retried by the next run."""

from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.cin7.client import Cin7Client
from integration_app.models import CustomerLink, OnUntag, ShopSyncState, SyncSettings
from tests.helpers import b2b_customer, run_sync

pytestmark = pytest.mark.django_db(transaction=True)


def cin7_stamp(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


def old_customer(name, email, **extra):
    """A Cin7 customer last modified an hour ago: outside an incremental run's overlap."""
    stamp = cin7_stamp(timezone.now() - timedelta(hours=1))
    return b2b_customer(name, email, phone=None, LastModifiedOn=stamp, **extra)


def test_a_pricing_run_does_not_move_the_customers_watermark(installed_shop, cin7_account, sandbox_shop):
    """A pricing run writes only linked customers' prices; a new customer it read is synced by the next
    incremental run, not skipped because the pricing run moved the watermark past it."""
    cin7_account.add_customer(b2b_customer("First", "first@example.com", phone=None))
    run_sync(installed_shop)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    ShopSyncState.objects.update(customers_watermark=an_hour_ago, products_watermark=an_hour_ago)
    stamp = cin7_stamp(timezone.now() - timedelta(minutes=30))
    cin7_account.add_customer(b2b_customer("Later", "later@example.com", phone=None, LastModifiedOn=stamp))
    assert run_sync(installed_shop, kind="pricing", full=False).status == "succeeded"
    assert not CustomerLink.objects.filter(email="later@example.com").exists()
    run = run_sync(installed_shop, full=False)
    assert run.status == "succeeded" and run.counts["created"] == 1
    assert sandbox_shop.customer_by_email("later@example.com") is not None


@pytest.mark.parametrize("fix", ["email", "deprecate", "untag"])
def test_a_customer_skipped_as_duplicate_is_synced_by_the_next_incremental_run(
    installed_shop, cin7_account, sandbox_shop, fix
):
    """Only the *other* customer changes in Cin7; the skipped one is retried anyway (by ID)."""
    keep = cin7_account.add_customer(old_customer("Keep", "shared@example.com"))
    other = cin7_account.add_customer(old_customer("Other", "shared@example.com"))
    first = run_sync(installed_shop)
    assert first.counts["skipped"] == 2 and not sandbox_shop.customers
    if fix == "email":
        cin7_account.update_customer(
            other, Contacts=[{"Name": "Other", "Email": "other@example.com", "Default": True}]
        )
    elif fix == "deprecate":
        cin7_account.deprecate_customer(other)
    else:
        cin7_account.update_customer(other, Tags="retail")
    run = run_sync(installed_shop, full=False)
    assert run.status == "succeeded", list(run.issues.values_list("code", "message"))
    assert CustomerLink.objects.get(cin7_id=keep).shopify_id
    assert sandbox_shop.customer_by_email("shared@example.com") is not None
    assert not installed_shop.open_problems.exists()
    writes = run.stats["writes"]
    assert writes and run_sync(installed_shop, full=False).stats["writes"] == 0


def test_a_linked_customer_skipped_as_duplicate_gets_its_changes_once_the_duplicate_goes(
    installed_shop, cin7_account, sandbox_shop
):
    linked = cin7_account.add_customer(old_customer("Linked", "shared@example.com"))
    run_sync(installed_shop)
    other = cin7_account.add_customer(old_customer("Copy", "shared@example.com"))
    run_sync(installed_shop)  # full: both skipped
    cin7_account.update_customer(linked, PaymentTerm="60 days")  # read and skipped again (duplicate)
    assert run_sync(installed_shop, full=False).status == "completed_with_issues"
    with cin7_account._lock:  # that change is older than the next run's overlap
        cin7_account._customers[linked].modified_ms -= 3_600_000
    cin7_account.deprecate_customer(other)
    run = run_sync(installed_shop, full=False)
    assert run.status == "succeeded" and run.counts["updated"] == 1
    customer = sandbox_shop.customer_by_email("shared@example.com")
    assert customer.metafields[("cin7", "payment_term")].value == "60 days"


def test_new_settings_reach_every_customer_on_the_next_incremental_run(
    installed_shop, cin7_account, sandbox_shop
):
    """Customers Cin7 did not modify still follow a new group mapping within one interval, not a day."""
    cin7_account.add_customer(old_customer("Vee", "vee@example.com", tags="b2b,VIP"))
    run_sync(installed_shop)
    settings = SyncSettings.objects.get(shop=installed_shop)
    settings.group_mappings = [{"tag": "VIP", "group": "Gold Club"}]
    settings.save()
    run = run_sync(installed_shop, full=False)
    assert run.counts["updated"] == 1
    vee = sandbox_shop.customer_by_email("vee@example.com")
    assert vee.metafields[("cin7", "customer_group")].value == "Gold Club"
    assert run_sync(installed_shop, full=False).counts["read"] == 0  # back to incremental reads


def test_a_customer_cin7_cannot_read_on_a_full_run_is_not_taken_for_gone(
    installed_shop, cin7_account, sandbox_shop, monkeypatch
):
    SyncSettings.objects.filter(shop=installed_shop).update(on_untag=OnUntag.STRIP)
    cin7_id = cin7_account.add_customer(b2b_customer("Una", "una@example.com", phone=None, tags="b2b,VIP"))
    run_sync(installed_shop)
    real = Cin7Client.iter_customers

    def unreadable(client, **kwargs):  # as the client reports a record it cannot parse
        for customer in real(client, **kwargs):
            if customer.id != cin7_id:
                yield customer
        client.bad_records.append((cin7_id, "Customer.CreditLimit: expected a number, got 'lots'"))

    monkeypatch.setattr(Cin7Client, "iter_customers", unreadable)
    run = run_sync(installed_shop, full=True)
    assert run.status == "completed_with_issues" and run.counts["updated"] == 0
    una = sandbox_shop.customer_by_email("una@example.com")
    assert "VIP" in una.tags and ("cin7", "company_name") in una.metafields  # not stripped
    assert CustomerLink.objects.get(cin7_id=cin7_id).in_scope


def test_a_read_short_of_cin7s_total_keeps_the_watermark(installed_shop, cin7_account, monkeypatch):
    cin7_account.add_customer(b2b_customer("Wes", "wes@example.com", phone=None))
    run_sync(installed_shop)
    before = ShopSyncState.objects.get(shop=installed_shop)
    real = Cin7Client.iter_customers

    def short_read(client, **kwargs):
        yield from real(client, **kwargs)
        client.incomplete_reads.append("customer")
        client.bad_records.append((None, "Cin7 listed 2 customer records but 1 did not come back"))

    monkeypatch.setattr(Cin7Client, "iter_customers", short_read)
    run = run_sync(installed_shop, full=False)
    assert run.status == "completed_with_issues"
    after = ShopSyncState.objects.get(shop=installed_shop)
    assert after.customers_watermark == before.customers_watermark
    assert after.products_watermark > before.products_watermark
