"""Customer sync against both sandboxes: contract §3 "Customers" and §4, line by line."""

import json

import pytest

from integration_app.models import CustomerLink, OnUntag, SyncSettings
from syncs.context import WriteLimitReached
from tests.helpers import b2b_customer, run_sync

pytestmark = pytest.mark.django_db(transaction=True)


def customers_of(sandbox_shop):
    return {c.email.lower(): c for c in sandbox_shop.customers.values()}


def metafields(customer):
    return {key: (mf.type, mf.value) for (ns, key), mf in customer.metafields.items() if ns == "cin7"}


def settings_of(shop, **changes):
    SyncSettings.objects.filter(shop=shop).update(**changes)


def test_first_full_sync_writes_every_field(installed_shop, cin7_account, sandbox_shop):
    cin7_account.add_product({"SKU": "SKU-1", "Name": "Widget", "PriceTier1": 10})
    cin7_id = cin7_account.add_customer(
        b2b_customer(
            "Jane Q Buyer",
            " Jane@Example.com ",
            tags="B2B, VIP, newsletter",
            TaxRule="Tax Exempt",
            PaymentTerm="30 days",
            Discount=2.5,
            IsOnCreditHold=True,
            ProductPrices=[{"ProductSKU": "SKU-1", "Price": "9.5"}],
        )
    )
    cin7_account.add_customer(b2b_customer("Rita Retail", "rita@example.com", tags="retail"))
    run = run_sync(installed_shop, kind="customers")
    assert run.status == "succeeded", run.error_message
    assert run.counts["created"] == 1 and run.counts["read"] == 2
    customers = customers_of(sandbox_shop)
    assert set(customers) == {"jane@example.com"}
    jane = customers["jane@example.com"]
    assert (jane.first_name, jane.last_name, jane.phone) == ("Jane", "Q Buyer", "+14155550100")
    assert jane.tax_exempt is True
    assert sorted(jane.tags, key=str.lower) == ["b2b", "VIP"]
    assert len(jane.addresses) == 1
    address = jane.addresses[0]
    assert (address["address1"], address["city"], address["provinceCode"], address["countryCode"]) == (
        "1 Market St",
        "San Francisco",
        "CA",
        "US",
    )
    assert address["company"] == "Jane Q Buyer Trading"
    assert metafields(jane) == {
        "company_name": ("single_line_text_field", "Jane Q Buyer Trading"),
        "customer_group": ("single_line_text_field", "VIP"),
        "credit_limit": ("number_decimal", "1000.00"),
        "on_hold": ("boolean", "true"),
        "price_tier": ("single_line_text_field", cin7_account.price_tier_names[0]),
        "payment_term": ("single_line_text_field", "30 days"),
        "discount": ("number_decimal", "2.50"),
        "customer_prices": ("json", json.dumps({"SKU-1": "9.50"}, separators=(",", ":"))),
        "cin7_id": ("single_line_text_field", cin7_id),
    }
    definitions = {(d.owner_type, d.key): d for d in sandbox_shop.definitions}
    assert len(definitions) == 11 and all(d.storefront_access == "PUBLIC_READ" for d in definitions.values())
    link = CustomerLink.objects.get(cin7_id=cin7_id)
    assert link.shopify_id == jane.id and link.created_by_app


def test_rerun_without_change_makes_zero_writes(installed_shop, cin7_account, shopify_sandbox):
    for n in range(5):
        cin7_account.add_customer(
            b2b_customer(f"Buyer {n}", f"buyer{n}@example.com", phone=f"(415) 555-01{n:02d}")
        )
    assert run_sync(installed_shop).status == "succeeded"
    writes = shopify_sandbox.writes()
    for full in (True, False):
        run = run_sync(installed_shop, full=full)
        assert run.status == "succeeded"
        assert shopify_sandbox.writes() == writes, f"a {'full' if full else 'incremental'} rerun wrote"
        assert run.counts["unchanged"] == 5  # incremental runs re-read a 10-minute overlap
        assert run.stats["writes"] == 0


def test_existing_customer_is_adopted_keeping_merchant_tags(installed_shop, cin7_account, sandbox_shop):
    existing = sandbox_shop.add_customer(
        email="JANE@example.com", first_name="J", last_name="Old", tags=["newsletter", "wholesale-2024"]
    )
    cin7_account.add_customer(b2b_customer("Jane Buyer", "jane@example.com"))
    run = run_sync(installed_shop)
    assert run.counts["created"] == 0 and run.counts["updated"] == 1
    assert len(sandbox_shop.customers) == 1
    jane = sandbox_shop.customers[existing]
    assert (jane.first_name, jane.last_name) == ("Jane", "Buyer")
    assert set(jane.tags) == {"newsletter", "wholesale-2024", "b2b"}
    assert metafields(jane)["company_name"][1] == "Jane Buyer Trading"
    link = CustomerLink.objects.get()
    assert link.shopify_id == existing and not link.created_by_app and link.invite_status == ""


def test_cin7_sets_the_default_address_and_the_customers_other_addresses_survive(
    installed_shop, cin7_account, sandbox_shop
):
    """Cin7's address is created once as the default and then updated in place; the customer's other
    addresses (the adopted customer's old default included) are never touched."""
    warehouse = {"address1": "9 Dock Rd", "city": "Oakland", "countryCode": "US", "provinceCode": "CA"}
    existing = sandbox_shop.add_customer(
        email="jane@example.com",
        addresses=[{"address1": "Old HQ", "city": "Reno", "countryCode": "US"}, warehouse],
    )
    cin7_id = cin7_account.add_customer(b2b_customer("Jane Buyer", "jane@example.com"))
    run_sync(installed_shop)
    kept = ("address1", "city", "countryCode", "provinceCode")

    def addresses():
        return [tuple(a.get(k) for k in kept) for a in sandbox_shop.customers[existing].addresses]

    cin7_default = ("1 Market St", "San Francisco", "US", "CA")
    old_default = ("Old HQ", "Reno", "US", None)
    assert addresses() == [cin7_default, old_default, tuple(warehouse[k] for k in kept)]
    address_ids = [a["id"] for a in sandbox_shop.customers[existing].addresses]
    # The buyer adds a ship-to address in their account; then the address changes in Cin7.
    buyer_address = {"address1": "5 Pier", "city": "Sausalito", "countryCode": "US", "provinceCode": "CA"}
    sandbox_shop.update_customer(
        existing, addresses=[*sandbox_shop.customers[existing].addresses, buyer_address]
    )
    moved = {"Line1": "2 Main St", "City": "Austin", "State": "Texas", "Country": "United States"}
    address = cin7_account.customers[cin7_id]["Addresses"][0]
    cin7_account.update_customer(cin7_id, Addresses=[address | moved])
    run = run_sync(installed_shop)
    assert run.counts["updated"] == 1
    assert addresses() == [
        ("2 Main St", "Austin", "US", "TX"),
        old_default,
        tuple(warehouse[k] for k in kept),
        tuple(buyer_address[k] for k in kept),
    ]
    assert [a["id"] for a in sandbox_shop.customers[existing].addresses][:3] == address_ids  # in place
    assert run_sync(installed_shop).counts["unchanged"] == 1


def test_incremental_after_a_cin7_change_touches_only_that_customer(
    installed_shop, cin7_account, sandbox_shop, shopify_sandbox
):
    ids = [
        cin7_account.add_customer(b2b_customer(f"Buyer {n}", f"b{n}@example.com", phone=f"415 555 01{n:02d}"))
        for n in range(4)
    ]
    run_sync(installed_shop)
    shopify_sandbox.reset_calls()
    cin7_account.update_customer(ids[2], PaymentTerm="60 days", Tags="b2b,VIP")
    run = run_sync(installed_shop, full=False)
    assert run.counts["updated"] == 1 and run.counts["unchanged"] == 3
    mutations = [c for c in shopify_sandbox.calls if c.mutation]
    assert {c.operation_name for c in mutations} == {"TagsAdd", "MetafieldsSet"}
    b2 = customers_of(sandbox_shop)["b2@example.com"]
    assert metafields(b2)["payment_term"][1] == "60 days"
    assert metafields(b2)["customer_group"][1] == "VIP" and "VIP" in b2.tags


def test_core_field_change_is_one_customer_update_and_one_address_update_in_place(
    installed_shop, cin7_account, sandbox_shop, shopify_sandbox
):
    cin7_id = cin7_account.add_customer(b2b_customer("Ann Lee", "ann@example.com"))
    run_sync(installed_shop)
    (address_id,) = [a["id"] for a in customers_of(sandbox_shop)["ann@example.com"].addresses]
    shopify_sandbox.reset_calls()
    cin7_account.update_customer(
        cin7_id,
        Contacts=[
            {
                "Name": "Ann Lee-Smith",
                "Email": "ann.smith@example.com",
                "Phone": "020 7946 0958",
                "Default": True,
            }
        ],
        Addresses=[
            {
                "Line1": "1 High St",
                "City": "London",
                "Postcode": "EC1A 1BB",
                "Country": "United Kingdom",
                "Type": "Shipping",
                "DefaultForType": True,
            }
        ],
    )
    run_sync(installed_shop, full=False)
    mutations = [c.operation_name for c in shopify_sandbox.calls if c.mutation]
    assert mutations == ["CustomerUpdate", "CustomerAddressWrites"]
    # No read: the address ID is known.
    assert [c.operation_name for c in shopify_sandbox.calls if not c.mutation] == []
    ann = customers_of(sandbox_shop)["ann.smith@example.com"]
    assert (ann.last_name, ann.phone) == ("Lee-Smith", "+442079460958")
    assert [(a["id"], a["countryCode"]) for a in ann.addresses] == [(address_id, "GB")]
    assert not ann.addresses[0].get("provinceCode")  # cleared: an update sends every field
    assert CustomerLink.objects.get().email == "ann.smith@example.com"


# The first run writes 11 metafield definitions, adopts 1 customer (update, then tags) and creates 6:
# these points stop it before anything, among the definitions, before the adoption, between its update
# and its tags, before the first create, mid-creates and before the last create.
@pytest.mark.parametrize("stop_after", [0, 5, 11, 12, 13, 14, 17, 19])
def test_killed_at_any_point_the_rerun_ends_in_the_same_state_without_duplicates(
    installed_shop, cin7_account, sandbox_shop, shopify_sandbox, stop_after
):
    sandbox_shop.add_customer(email="adopt@example.com", tags=["merchant"])
    for n in range(6):
        tags = "b2b,VIP" if n % 2 else "b2b"
        cin7_account.add_customer(
            b2b_customer(f"Buyer {n}", f"k{n}@example.com", tags=tags, phone=f"415 555 01{n:02d}")
        )
    cin7_account.add_customer(b2b_customer("Adopt Me", "adopt@example.com", phone="415 555 0199"))
    with pytest.raises(WriteLimitReached):
        run_sync(installed_shop, write_limit=stop_after)
    # The worker "died": its run stays running until its heartbeat goes stale.
    from integration_app.models import SyncRun

    SyncRun.objects.filter(status="running").update(heartbeat_at="2020-01-01T00:00:00Z")
    rerun = run_sync(installed_shop)
    assert rerun.status == "succeeded", list(rerun.issues.values_list("code", "message"))
    emails = sorted(c.email.lower() for c in sandbox_shop.customers.values())
    assert emails == ["adopt@example.com"] + [f"k{n}@example.com" for n in range(6)]
    assert CustomerLink.objects.filter(shopify_id="").count() == 0
    assert CustomerLink.objects.filter(created_by_app=True).count() == 6
    assert "merchant" in customers_of(sandbox_shop)["adopt@example.com"].tags
    writes = shopify_sandbox.writes()
    assert run_sync(installed_shop).status == "succeeded"
    assert shopify_sandbox.writes() == writes
    for customer in sandbox_shop.customers.values():
        assert metafields(customer)["cin7_id"][0] == "single_line_text_field"


def test_on_untag_keep_leaves_the_customer_as_it_is(
    installed_shop, cin7_account, sandbox_shop, shopify_sandbox
):
    cin7_id = cin7_account.add_customer(b2b_customer("Kay", "kay@example.com", tags="b2b,VIP"))
    run_sync(installed_shop)
    writes = shopify_sandbox.writes()
    cin7_account.update_customer(cin7_id, Tags="retail")
    run = run_sync(installed_shop, full=False)
    assert run.status == "succeeded" and shopify_sandbox.writes() == writes
    kay = customers_of(sandbox_shop)["kay@example.com"]
    assert "VIP" in kay.tags and metafields(kay)
    assert CustomerLink.objects.get().in_scope is False


@pytest.mark.parametrize("how", ["untagged", "deprecated"])
def test_on_untag_strip_removes_app_tags_and_metafields_only(installed_shop, cin7_account, sandbox_shop, how):
    settings_of(installed_shop, on_untag=OnUntag.STRIP)
    cin7_id = cin7_account.add_customer(b2b_customer("Sam", "sam@example.com", tags="b2b,VIP"))
    run_sync(installed_shop)
    sam = customers_of(sandbox_shop)["sam@example.com"]
    sandbox_shop.update_customer(sam.id, tags=[*sam.tags, "merchant-tag"])
    if how == "untagged":
        cin7_account.update_customer(cin7_id, Tags="retail")
    else:
        cin7_account.deprecate_customer(cin7_id)
    run = run_sync(installed_shop, full=False)
    assert run.counts["updated"] == 1
    sam = customers_of(sandbox_shop)["sam@example.com"]
    assert sam.tags == ["merchant-tag"] and metafields(sam) == {}
    assert sam.first_name == "Sam" and len(sandbox_shop.customers) == 1  # never deleted or disabled
    # Tagged again: it comes back.
    if how == "untagged":
        cin7_account.update_customer(cin7_id, Tags="b2b")
        run_sync(installed_shop, full=False)
        assert "b2b" in customers_of(sandbox_shop)["sam@example.com"].tags


def test_customer_gone_from_cin7_on_a_full_run_leaves_scope(installed_shop, cin7_account, sandbox_shop):
    settings_of(installed_shop, on_untag=OnUntag.STRIP)
    cin7_id = cin7_account.add_customer(b2b_customer("Gone", "gone@example.com"))
    run_sync(installed_shop)
    cin7_account.deprecate_customer(cin7_id)
    run_sync(installed_shop, full=True)
    assert metafields(customers_of(sandbox_shop)["gone@example.com"]) == {}


def test_test_emails_sync_only_those_customers(installed_shop, cin7_account, sandbox_shop):
    settings_of(installed_shop, test_emails=["one@example.com"])
    cin7_account.add_customer(b2b_customer("One", "ONE@example.com"))
    cin7_account.add_customer(b2b_customer("Two", "two@example.com"))
    run_sync(installed_shop)
    assert set(customers_of(sandbox_shop)) == {"one@example.com"}
    settings_of(installed_shop, test_emails=[])
    run_sync(installed_shop)
    assert set(customers_of(sandbox_shop)) == {"one@example.com", "two@example.com"}


def test_merchant_deleted_the_shopify_customer_it_is_recreated(installed_shop, cin7_account, sandbox_shop):
    cin7_id = cin7_account.add_customer(b2b_customer("Del", "del@example.com"))
    run_sync(installed_shop)
    old = CustomerLink.objects.get().shopify_id
    with sandbox_shop.lock:
        del sandbox_shop.customers[old]
        sandbox_shop._by_email.pop("del@example.com", None)
    sandbox_shop._by_phone.clear()
    cin7_account.update_customer(cin7_id, PaymentTerm="7 days")
    run = run_sync(installed_shop, full=False)
    assert run.status == "succeeded", list(run.issues.values_list("message", flat=True))
    link = CustomerLink.objects.get()
    assert link.shopify_id != old and sandbox_shop.customers[link.shopify_id].email == "del@example.com"


def test_dry_run_writes_nothing_and_records_the_plan(
    installed_shop, cin7_account, sandbox_shop, shopify_sandbox
):
    sandbox_shop.add_customer(email="exists@example.com", first_name="Old")
    cin7_account.add_customer(b2b_customer("New Buyer", "new@example.com"))
    cin7_account.add_customer(b2b_customer("Exists Now", "exists@example.com"))
    writes = shopify_sandbox.writes()
    run = run_sync(installed_shop, dry_run=True)
    assert run.status == "succeeded" and shopify_sandbox.writes() == writes
    assert CustomerLink.objects.count() == 0
    assert run.counts["created"] == 1 and run.counts["updated"] == 1
    plan = {entry["email"]: entry for entry in run.plan if "email" in entry}
    assert plan["new@example.com"]["action"] == "create"
    assert plan["exists@example.com"]["action"] == "adopt"
    assert plan["exists@example.com"]["changes"]["firstName"] == {"from": None, "to": "Exists"}
    assert "tags added" in plan["new@example.com"]["changes"]
    # The real run afterwards does what the preview said.
    real = run_sync(installed_shop)
    assert (real.counts["created"], real.counts["updated"]) == (1, 1)


def test_cin7_email_change_to_a_taken_email_is_reported_and_retried_on_full_runs(
    installed_shop, cin7_account, sandbox_shop, shopify_sandbox
):
    sandbox_shop.add_customer(email="taken@example.com")
    cin7_id = cin7_account.add_customer(b2b_customer("Tom", "tom@example.com"))
    run_sync(installed_shop)
    cin7_account.update_customer(
        cin7_id, Contacts=[{"Name": "Tom", "Email": "taken@example.com", "Default": True}]
    )
    run = run_sync(installed_shop, full=False)
    # Another Shopify customer has that email: adopting it would merge two buyers, so it is reported.
    issues = list(run.issues.values_list("code", "cin7_id"))
    assert ("shopify_user_error", cin7_id) in issues or ("duplicate_email", cin7_id) in issues
    assert run.status == "completed_with_issues"
    assert customers_of(sandbox_shop)["tom@example.com"]


def test_a_running_sync_reports_where_it_is(installed_shop, cin7_account):
    from integration_app.api.presenters import run_payload
    from integration_app.models import SyncRun

    for n in range(3):
        cin7_account.add_customer(b2b_customer(f"P {n}", f"p{n}@example.com", phone=None))
    with pytest.raises(WriteLimitReached):
        run_sync(installed_shop, kind="customers", write_limit=12)  # 11 definitions, 1 create
    payload = run_payload(SyncRun.objects.get())
    assert payload["status"] == "running"
    assert payload["progress"]["phase"] == "Writing customers" and payload["progress"]["total"] == 3


@pytest.mark.parametrize("on_untag", [OnUntag.KEEP, OnUntag.STRIP])
@pytest.mark.parametrize("full", [True, False])
def test_a_customer_recreated_in_cin7_takes_over_the_shopify_customer(
    installed_shop, cin7_account, sandbox_shop, on_untag, full
):
    # Cin7 cannot delete: a merchant deprecates the old customer and creates a new one, same buyer email.
    settings_of(installed_shop, on_untag=on_untag)
    old = cin7_account.add_customer(b2b_customer("Old Co", "buyer@example.com", tags="b2b,VIP"))
    run_sync(installed_shop)
    cin7_account.deprecate_customer(old)
    new = cin7_account.add_customer(b2b_customer("New Co", "buyer@example.com", tags="b2b"))
    run = run_sync(installed_shop, full=full)
    assert run.status == "succeeded", list(run.issues.values_list("code", "message"))
    (buyer,) = sandbox_shop.customers.values()
    assert buyer.tags == ["b2b"]  # the old customer's group tag and metafield do not linger
    assert metafields(buyer)["cin7_id"][1] == new and "customer_group" not in metafields(buyer)
    assert metafields(buyer)["company_name"][1] == "New Co Trading"
    assert CustomerLink.objects.get(cin7_id=old).shopify_id == ""
    assert run_sync(installed_shop).counts["unchanged"] == 1
    # Two active Cin7 customers with one email are still never guessed between.
    cin7_account.add_customer(b2b_customer("Third Co", "buyer@example.com"))
    run = run_sync(installed_shop)
    assert {(code, cin7_id) for code, cin7_id in run.issues.values_list("code", "cin7_id")} >= {
        ("duplicate_email", new)
    }
    assert metafields(next(iter(sandbox_shop.customers.values())))["cin7_id"][1] == new
