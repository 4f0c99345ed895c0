"""Cin7 wins on full runs: app-managed fields edited in Shopify are put back (contract §4), counted as
`repaired`, and a full rerun afterwards writes nothing."""

import pytest
from django.conf import settings

from connectors.clock import VirtualClock
from connectors.shopify.sandbox import ShopifySandbox
from integration_app.models import ShopSyncState
from tests.helpers import b2b_customer, run_sync

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "jane@example.com"


@pytest.fixture
def shopify_sandbox():
    """Shopify's clock can move on: its `updatedAt` has whole seconds, and a merchant edits a customer some
    time after the app wrote it, not within the same second."""
    with ShopifySandbox(
        api_key=settings.SHOPIFY_API_KEY,
        api_secret=settings.SHOPIFY_API_SECRET,
        app_url=settings.APP_URL,
        clock=VirtualClock(),
    ) as sandbox:
        yield sandbox


@pytest.fixture
def synced(installed_shop, cin7_account, sandbox_shop, shopify_sandbox):
    """One Cin7 customer synced by a full run; a few seconds later in Shopify."""
    cin7_account.add_customer(b2b_customer("Jane Buyer", EMAIL, tags="b2b", CreditLimit=1000))
    run_sync(installed_shop)
    shopify_sandbox.clock.sleep(5)
    (customer_id,) = sandbox_shop.customers
    return sandbox_shop.customers[customer_id]


def managed(customer) -> dict:
    return {
        "first": customer.first_name,
        "last": customer.last_name,
        "phone": customer.phone,
        "tax_exempt": customer.tax_exempt,
        "tags": sorted(customer.tags, key=str.casefold),
        "addresses": [(a["id"], a["address1"], a["city"], a.get("provinceCode")) for a in customer.addresses],
        "metafields": {key: mf.value for (ns, key), mf in customer.metafields.items() if ns == "cin7"},
    }


def edit_metafield(shop, customer, key, value):
    customer.metafields[("cin7", key)].value = value
    shop.update_customer(customer.id)  # the merchant saves the customer page


EDITS = {
    "first name": lambda shop, c: shop.update_customer(c.id, first_name="Janet"),
    "last name": lambda shop, c: shop.update_customer(c.id, last_name=None),
    "phone": lambda shop, c: shop.update_customer(c.id, phone="+14155559999"),
    "tax exempt": lambda shop, c: shop.update_customer(c.id, tax_exempt=True),
    "app tag removed": lambda shop, c: shop.update_customer(c.id, tags=["newsletter"]),
    "app tag added": lambda shop, c: shop.update_customer(c.id, tags=[*c.tags, "VIP"]),
    "address edited": lambda shop, c: shop.update_customer(
        c.id, addresses=[{**c.addresses[0], "city": "Oakland"}]
    ),
    "address deleted": lambda shop, c: shop.update_customer(c.id, addresses=[]),
    "another default": lambda shop, c: shop.update_customer(
        c.id, addresses=[{"address1": "9 Dock Rd", "city": "Reno", "countryCode": "US"}, *c.addresses]
    ),
    "metafield edited": lambda shop, c: edit_metafield(shop, c, "price_tier", "Retail"),
    "metafield deleted": lambda shop, c: (
        c.metafields.pop(("cin7", "company_name")),
        shop.update_customer(c.id),
    ),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_shopify_side_edit_is_put_back_and_a_rerun_writes_nothing(
    installed_shop, sandbox_shop, shopify_sandbox, synced, edit
):
    before = managed(synced)
    merchant_tag_kept = edit == "app tag removed"
    EDITS[edit](sandbox_shop, synced)
    assert managed(synced) != before

    run = run_sync(installed_shop)

    assert run.counts["repaired"] == 1 and run.counts["updated"] == 1, run.counts
    after = managed(synced)
    if edit == "another default":
        # Cin7's address is the default again, in place; the merchant's new address is kept behind it.
        assert after["addresses"][0] == before["addresses"][0]
        assert [a[1] for a in after["addresses"]] == [before["addresses"][0][1], "9 Dock Rd"]
        after["addresses"] = after["addresses"][:1]
    if edit == "address deleted":
        assert [a[1:] for a in after["addresses"]] == [a[1:] for a in before["addresses"]]  # created again
        after["addresses"], before["addresses"] = after["addresses"][:0], before["addresses"][:0]
    if merchant_tag_kept:
        assert "newsletter" in after["tags"]
        after["tags"] = [t for t in after["tags"] if t != "newsletter"]
    assert after == before

    writes = shopify_sandbox.writes()
    rerun = run_sync(installed_shop)
    assert shopify_sandbox.writes() == writes and rerun.counts["repaired"] == 0


def test_without_edits_a_full_run_reads_no_customer_and_writes_nothing(
    installed_shop, sandbox_shop, shopify_sandbox, synced
):
    shopify_sandbox.reset_calls()
    run = run_sync(installed_shop)
    assert shopify_sandbox.writes() == 0 and run.counts["repaired"] == 0
    assert "CustomerManagedFields" not in [c.operation_name for c in shopify_sandbox.calls]


def test_saves_that_change_nothing_or_only_the_stored_form_are_not_repairs(
    installed_shop, sandbox_shop, shopify_sandbox, synced
):
    assert synced.metafields[("cin7", "credit_limit")].value == "1000.00"
    edit_metafield(sandbox_shop, synced, "credit_limit", "1000.0")  # the same decimal
    sandbox_shop.update_customer(synced.id, phone=synced.phone, addresses=list(synced.addresses))
    shopify_sandbox.reset_calls()

    run = run_sync(installed_shop)

    assert run.counts["repaired"] == 0 and shopify_sandbox.writes() == 0
    names = [c.operation_name for c in shopify_sandbox.calls]
    assert names.count("CustomerManagedFields") == 1  # read, since it was updated, and found equal


def test_only_customers_updated_since_the_last_check_are_read(
    installed_shop, cin7_account, sandbox_shop, shopify_sandbox, synced
):
    other = sandbox_shop.add_customer(email="merchant@example.com", first_name="Not linked")
    sandbox_shop.update_customer(other, first_name="Still not linked")
    checked = ShopSyncState.objects.get(shop=installed_shop).shopify_customers_checked
    assert checked["until"] and synced.id in checked["ids"]
    shopify_sandbox.reset_calls()

    run = run_sync(installed_shop)

    # The unlinked customer is listed (id and updatedAt) but not read; nothing to repair.
    assert run.counts["repaired"] == 0 and shopify_sandbox.writes() == 0
    assert "CustomerManagedFields" not in [c.operation_name for c in shopify_sandbox.calls]
    assert sandbox_shop.customers[other].first_name == "Still not linked"
