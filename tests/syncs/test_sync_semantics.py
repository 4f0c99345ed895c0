"""Contract §4 across runs: watermarks by kind, and skipped records retried by the next run."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integration_app.models import CustomerLink, ShopSyncState
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
