"""Every issue code is reachable; a bad record is reported and skipped, the run goes on (contract §4)."""

import pytest

from connectors.clock import VirtualClock
from integration_app.models import Cin7Connection, CustomerLink, SyncSettings
from tests.helpers import b2b_customer, run_sync

pytestmark = pytest.mark.django_db(transaction=True)


def issues(run):
    return {(code, cin7_id) for code, cin7_id in run.issues.values_list("code", "cin7_id")}


def test_record_problems_are_issues_and_the_rest_syncs(installed_shop, cin7_account, sandbox_shop):
    good = cin7_account.add_customer(b2b_customer("Good One", "good@example.com", phone="415 555 0101"))
    no_email = cin7_account.add_customer(
        {**b2b_customer("No Mail", "x@example.com"), "Contacts": [{"Name": "No Mail", "Default": True}]}
    )
    dup_a = cin7_account.add_customer(b2b_customer("Dup A", "dup@example.com", phone=None))
    dup_b = cin7_account.add_customer(b2b_customer("Dup B", " DUP@example.com", phone=None))
    bad_phone = cin7_account.add_customer(b2b_customer("Bad Phone", "phone@example.com", phone="12"))
    atlantis = cin7_account.add_customer(
        b2b_customer("Sea Folk", "sea@example.com", phone=None, country="Atlantis", state="Deep")
    )
    narnia = cin7_account.add_customer(
        b2b_customer("Lamp Post", "lamp@example.com", phone=None, state="Narnia")
    )
    run = run_sync(installed_shop, kind="customers")
    assert run.status == "completed_with_issues"
    assert issues(run) == {
        ("no_email", no_email),
        ("duplicate_email", dup_a),
        ("duplicate_email", dup_b),
        ("invalid_phone", bad_phone),
        ("unknown_country", atlantis),
        ("unknown_province", narnia),
    }
    assert run.counts["skipped"] == 3 and run.counts["created"] == 4
    emails = {c.email for c in sandbox_shop.customers.values()}
    assert emails == {"good@example.com", "phone@example.com", "sea@example.com", "lamp@example.com"}
    by_email = {c.email: c for c in sandbox_shop.customers.values()}
    assert by_email["phone@example.com"].phone is None
    assert by_email["sea@example.com"].addresses == []
    assert by_email["lamp@example.com"].addresses[0]["countryCode"] == "US"
    assert CustomerLink.objects.filter(cin7_id=good).exists()
    # Each issue carries what the merchant should do.
    fixes = {i["code"]: i["fix"] for i in _run_api_issues(run)}
    assert "Default" in fixes["no_email"] and "its own email" in fixes["duplicate_email"]


def _run_api_issues(run):
    from integration_app.api.presenters import run_payload

    return run_payload(run, issues=True)["issues"]


def test_a_fixed_record_is_synced_by_the_next_run(installed_shop, cin7_account, sandbox_shop):
    cin7_id = cin7_account.add_customer(
        {**b2b_customer("Later", "x@example.com"), "Contacts": [{"Name": "Later", "Default": True}]}
    )
    first = run_sync(installed_shop, kind="customers")
    assert issues(first) == {("no_email", cin7_id)}
    cin7_account.update_customer(
        cin7_id, Contacts=[{"Name": "Later", "Email": "later@example.com", "Default": True}]
    )
    second = run_sync(installed_shop, kind="customers", full=False)
    assert second.status == "succeeded" and second.counts["created"] == 1
    assert not installed_shop.open_problems.exists()


def test_duplicate_with_an_already_linked_customer_on_an_incremental_run(
    installed_shop, cin7_account, sandbox_shop
):
    first = cin7_account.add_customer(b2b_customer("First", "same@example.com", phone=None))
    run_sync(installed_shop, kind="customers")
    second = cin7_account.add_customer(b2b_customer("Second", "same@example.com", phone=None))
    run = run_sync(installed_shop, kind="customers", full=False)
    assert ("duplicate_email", second) in issues(run)
    assert len(sandbox_shop.customers) == 1
    assert CustomerLink.objects.get(cin7_id=first).shopify_id


def test_phone_taken_is_retried_without_the_phone_and_reported(installed_shop, cin7_account, sandbox_shop):
    sandbox_shop.add_customer(email="holder@example.com", phone="+14155550177")
    cin7_id = cin7_account.add_customer(b2b_customer("Pat", "pat@example.com", phone="415 555 0177"))
    run = run_sync(installed_shop, kind="customers")
    assert issues(run) == {("shopify_user_error", cin7_id)}
    message = run.issues.get().message
    assert "+14155550177" in message and "taken" in message and "without it" in message
    pat = next(c for c in sandbox_shop.customers.values() if c.email == "pat@example.com")
    assert pat.phone is None and pat.first_name == "Pat" and run.counts["created"] == 1
    # The same state is not resent by scheduled runs (zero writes), but the problem stays open.
    for full in (False, True):
        rerun = run_sync(installed_shop, kind="customers", full=full, trigger="schedule")
        assert rerun.stats["writes"] == 0 and installed_shop.open_problems.filter(cin7_id=cin7_id).exists()
    # The merchant frees the phone in Shopify and asks for a full sync: it is retried, and lands.
    holder = sandbox_shop.customer_by_email("holder@example.com")
    sandbox_shop.update_customer(holder.id, phone=None)
    retried = run_sync(installed_shop, kind="customers", full=True, trigger="manual")
    assert retried.status == "succeeded" and pat.phone == "+14155550177"
    assert not installed_shop.open_problems.filter(cin7_id=cin7_id).exists()


def test_customer_prices_over_128_kb_keep_the_last_value(installed_shop, cin7_account, sandbox_shop):
    skus = [f"LONG-SKU-NUMBER-{n:06d}" for n in range(4500)]
    for sku in skus:
        cin7_account.add_product({"SKU": sku, "Name": sku})
    cin7_id = cin7_account.add_customer(b2b_customer("Big", "big@example.com", phone=None))
    cin7_account.set_customer_price(cin7_id, skus[0], "1.5")
    run_sync(installed_shop, kind="customers")
    big = next(iter(sandbox_shop.customers.values()))
    assert big.metafields[("cin7", "customer_prices")].value == '{"LONG-SKU-NUMBER-000000":"1.50"}'
    for sku in skus:
        cin7_account.set_customer_price(cin7_id, sku, "1234.5678")
    run = run_sync(installed_shop, kind="customers")
    assert issues(run) == {("metafield_too_large", cin7_id)}
    assert big.metafields[("cin7", "customer_prices")].value == '{"LONG-SKU-NUMBER-000000":"1.50"}'


def test_an_unreadable_cin7_record_is_reported_and_skipped(
    installed_shop, cin7_account, cin7_server, sandbox_shop
):
    cin7_account.add_customer(b2b_customer("Fine", "fine@example.com", phone=None))
    from connectors.cin7.client import Cin7Client

    original = Cin7Client.iter_customers

    def with_a_broken_record(self, **kwargs):
        self.bad_records.append(("broken-id", "Customer broken-id: ID must be a GUID"))
        yield from original(self, **kwargs)

    Cin7Client.iter_customers = with_a_broken_record
    try:
        run = run_sync(installed_shop, kind="customers")
    finally:
        Cin7Client.iter_customers = original
    assert issues(run) == {("invalid_record", "broken-id")} and run.counts["created"] == 1


@pytest.mark.parametrize(
    ("break_it", "code"),
    [
        ("cin7_key", "cin7_credentials"),
        ("cin7_down", "cin7_unavailable"),
        ("shopify_revoked", "shopify_access_revoked"),
        ("no_tags", "not_configured"),
    ],
)
def test_run_failures_have_a_clear_reason(
    installed_shop, cin7_account, shopify_sandbox, settings, break_it, code
):
    cin7_account.add_customer(b2b_customer("Ann", "ann@example.com", phone=None))
    if break_it == "cin7_key":
        Cin7Connection.objects.filter(shop=installed_shop).update(api_key="wrong-key-123")
    elif break_it == "cin7_down":
        settings.CIN7_API_URL = "http://127.0.0.1:1/ExternalApi/v2/"  # nothing listens
    elif break_it == "shopify_revoked":
        shopify_sandbox.revoke_tokens(installed_shop.domain)
    else:
        SyncSettings.objects.filter(shop=installed_shop).update(customer_tags=[])
    installed_shop.refresh_from_db()
    clock = VirtualClock()  # retries and backoff cost no real time
    run = run_sync(installed_shop, clock=clock)
    assert run.status == "failed" and run.error_code == code
    assert run.error_message and "wrong-key-123" not in run.error_message
    assert list(run.issues.values_list("code", flat=True)) == [code]
    if break_it == "shopify_revoked":
        installed_shop.refresh_from_db()
        assert installed_shop.token_invalid_at is not None
