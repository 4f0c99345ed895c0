"""Companies as Cin7 shapes them, in both B2B modes (CONTRACT §3 "Companies as Cin7 shapes them"; issue 25):
head offices with branches as locations, every contact a buyer, tax IDs, `IsBillParent` billing."""

from decimal import Decimal

import pytest

from connectors.shopify.b2b import B2BAdmin
from integration_app.models import CompanyLink, Shop, SyncSettings
from integration_app.shopify_api import admin_api
from tests.helpers import b2b_customer, killed_until_done, run_sync

pytestmark = pytest.mark.django_db(transaction=True)

MARKET_SCOPES = "read_customers,write_customers,read_products,write_products,read_markets,write_markets"
PRODUCTS = {"A": ("15.00", "10", "9"), "D": ("7.00", "5", "4.5")}  # SKU -> (variant price, tier 1, tier 2)
LA, OO = "Location admin", "Ordering only"
HQ_BILLING = {
    "Line1": "9 Counting House Ln",
    "City": "Boston",
    "State": "Massachusetts",
    "Postcode": "02110",
    "Country": "United States",
    "Type": "Billing",
    "DefaultForType": True,
}


def contacts(*emails):
    """Cin7 contacts, the first the default one."""
    return [
        {"Name": f"{e.split('@')[0].title()} Person", "Email": e, "Default": n == 0}
        for n, e in enumerate(emails)
    ]


def customer(name, *emails, tier=1, **extra):
    data = b2b_customer(name, emails[0], PriceTier=tier, **extra)
    data["Contacts"] = contacts(*emails)
    return data


@pytest.fixture(params=["Shopify Plus", "Grow"])
def tree_shop(request, installed_shop, shopify_sandbox, cin7_account, sandbox_shop):
    """Acme (head office, 2 branches: North on another tier, South billed to the head office), Bravo, and
    a branch of a retail (out-of-scope) head office; a Plus shop or a Grow shop (B2B markets)."""
    if request.param == "Grow":
        token = shopify_sandbox.issue_token(installed_shop.domain, scopes=MARKET_SCOPES.split(","))
        Shop.objects.filter(pk=installed_shop.pk).update(access_token=token, scopes=MARKET_SCOPES)
    else:
        sandbox_shop.set_plan("Shopify Plus")
    cin7_account.rename_tier(1, "Wholesale")
    cin7_account.rename_tier(2, "Distributor")
    cin7_account.add_payment_term("30 days", method="number of days", duration=30)
    for sku, (price, tier1, tier2) in PRODUCTS.items():
        cin7_account.add_product({"SKU": sku, "Name": sku, "PriceTier1": tier1, "PriceTier2": tier2})
        sandbox_shop.add_product(sku, variants=[{"sku": sku, "price": price}])
    hq = customer("Acme HQ", "boss@acme.test", "buyer@acme.test", TaxNumber="GB 123")
    hq["Addresses"].append(HQ_BILLING)
    ids = {"hq": cin7_account.add_customer(hq)}
    ids["north"] = cin7_account.add_customer(
        customer("Acme North", "north@acme.test", "clerk@acme.test", tier=2, CustomerParentID=ids["hq"])
    )
    ids["south"] = cin7_account.add_customer(
        customer(
            "Acme South",
            "south@acme.test",
            CustomerParentID=ids["hq"],
            IsBillParent=True,
            ProductPrices=[{"ProductSKU": "A", "Price": 8}],
        )
    )
    ids["bravo"] = cin7_account.add_customer(customer("Bravo", "bravo@b.test", "buyer@acme.test", tier=2))
    retail = cin7_account.add_customer(customer("Retail Co", "shop@retail.test", tags="retail"))
    ids["orphan"] = cin7_account.add_customer(customer("Orphan", "orphan@o.test", CustomerParentID=retail))
    SyncSettings.objects.filter(shop=installed_shop).update(b2b_companies=True)
    installed_shop.refresh_from_db()
    return request.param == "Shopify Plus", ids


def locations(sandbox_shop) -> dict:
    """Location externalId -> (its company's externalId, {buyer email: role}, tax ID, billing address1)."""
    b2b, found = sandbox_shop.b2b, {}
    for location in b2b.locations.values():
        roles = {
            sandbox_shop.customers[b2b.contacts[a.contact_id].customer_id].email: b2b.roles[a.role_id].name
            for a in b2b.assignments_of(location.id)
        }
        billing = location.billing_address.fields.get("address1") if location.billing_address else None
        company = b2b.companies[location.company_id].external_id
        found[location.external_id] = (company, roles, location.tax_registration_id, billing)
    return found


def b2b_writes(shopify_sandbox, since: int) -> list[str]:
    return [c.operation_name for c in shopify_sandbox.calls[since:] if c.mutation]


def assert_prices(shop, sandbox_shop, tiers: dict[str, int], own: dict[str, dict]) -> None:
    """The price charged at quantity 1 at every location: its own customer's price (Plus), else its own
    tier's price (both tiers are served on Grow too), else the variant's."""
    api = B2BAdmin(admin_api(shop).client)
    variants = {variant["sku"]: variant_id for variant_id, variant in sandbox_shop.variants.items()}
    for link in CompanyLink.objects.filter(shop=shop, cin7_id__in=tiers):
        prices = api.contextual_prices(sorted(variants.values()), link.location_id)
        for sku, variant_id in variants.items():
            expected = Decimal(PRODUCTS[sku][tiers[link.cin7_id]])
            expected = min(expected, own.get(link.cin7_id, {}).get(sku, expected))
            assert Decimal(prices[variant_id][1]) == expected, (link.cin7_id, sku)


def test_head_offices_branches_buyers_tax_ids_and_billing(
    tree_shop, installed_shop, sandbox_shop, shopify_sandbox
):
    plus, ids = tree_shop
    mark = len(shopify_sandbox.calls)
    preview = run_sync(installed_shop, dry_run=True)
    assert b2b_writes(shopify_sandbox, mark) == []
    planned = {(e.get("company"), e.get("location")): e["changes"] for e in preview.plan if "location" in e}
    assert planned[("Acme HQ Trading", "Acme North Trading")]["buyer clerk@acme.test"] == {
        "from": None,
        "to": OO,
    }
    run = run_sync(installed_shop)
    hq, north, south, bravo, orphan = (ids[k] for k in ("hq", "north", "south", "bravo", "orphan"))
    found = locations(sandbox_shop)
    assert {key: value[0] for key, value in found.items()} == {
        hq: hq,
        north: hq,
        south: hq,
        bravo: bravo,
        orphan: orphan,  # its head office is not a B2B customer: its own company
    }
    buyer_at = "hq" if found[hq][1].get("buyer@acme.test") else "bravo"  # kept where first (lowest ID)
    assert found[hq][1] == {"boss@acme.test": LA} | ({"buyer@acme.test": OO} if buyer_at == "hq" else {})
    assert found[north][1] == {"boss@acme.test": LA, "north@acme.test": LA, "clerk@acme.test": OO}
    assert found[south][1] == {"boss@acme.test": LA, "south@acme.test": LA}
    assert found[bravo][1] == {"bravo@b.test": LA} | ({"buyer@acme.test": OO} if buyer_at == "bravo" else {})
    assert (found[hq][2], found[north][2], found[south][2]) == ("GB 123", None, None)
    assert found[south][3] == found[hq][3] == "9 Counting House Ln"  # IsBillParent: the head office's
    assert found[north][3] == "1 Market St"
    codes = {issue.code for issue in run.issues.all()}
    assert {"b2b_head_office_out_of_scope", "b2b_contact_in_two_companies"} <= codes
    customers = [c for c in sandbox_shop.customers.values() if c.email == "buyer@acme.test"]
    assert len(customers) == 1  # found or created once, never two
    tiers = {hq: 1, north: 2, south: 1, bravo: 2, orphan: 1}
    assert_prices(installed_shop, sandbox_shop, tiers, {south: {"A": Decimal(8)}} if plus else {})

    installed_shop.refresh_from_db()
    assert installed_shop.b2b["mode"] == ("direct" if plus else "markets")
    assert {"unmapped_payment_term"}.isdisjoint(codes)

    mark = len(shopify_sandbox.calls)
    run_sync(installed_shop)
    assert b2b_writes(shopify_sandbox, mark) == []  # a rerun without change writes nothing


def test_a_branch_moves_with_its_parent_and_a_removed_contact_loses_its_role_only(
    tree_shop, installed_shop, sandbox_shop, cin7_account
):
    plus, ids = tree_shop
    run_sync(installed_shop)
    north, bravo = ids["north"], ids["bravo"]
    clerk = sandbox_shop.customer_by_email("clerk@acme.test")
    location = CompanyLink.objects.get(shop=installed_shop, cin7_id=north).location_id
    cin7_account.update_customer(north, Contacts=contacts("north@acme.test"))
    run_sync(installed_shop)
    assert locations(sandbox_shop)[north][1] == {"boss@acme.test": LA, "north@acme.test": LA}
    assert sandbox_shop.customer_by_email("clerk@acme.test").id == clerk.id  # its customer stays
    assert any(c.customer_id == clerk.id for c in sandbox_shop.b2b.contacts.values())  # and its contact
    assert CompanyLink.objects.get(shop=installed_shop, cin7_id=north).location_id == location

    cin7_account.update_customer(north, CustomerParentID=bravo)
    run_sync(installed_shop)
    found = locations(sandbox_shop)
    assert found[north][0] == bravo  # moved: one location with its externalId, in Bravo's company
    assert sum(1 for loc in sandbox_shop.b2b.locations.values() if loc.external_id == north) == 1
    assert found[north][1] == {"bravo@b.test": LA, "north@acme.test": LA}
    tiers = {ids["hq"]: 1, north: 2, ids["south"]: 1, bravo: 2}
    assert_prices(installed_shop, sandbox_shop, tiers, {ids["south"]: {"A": Decimal(8)}} if plus else {})


def forget_links(shop):
    """Every link's Shopify ids and what it recorded of buyers and roles."""
    for link in CompanyLink.objects.filter(shop=shop):
        for key in ("buyers", "roles_pending", "customer", "contact_of"):
            link.written.pop(key, None)
        link.company_id = link.location_id = link.contact_id = ""
        link.save()


def test_a_run_killed_anywhere_and_rerun_leaves_no_duplicate_location_contact_or_buyer(
    tree_shop, installed_shop, sandbox_shop
):
    """Stopped before its 1st, 2nd, … B2B write; every other time also losing what it recorded locally
    (as a process killed between Shopify's answer and the database write would)."""
    _, ids = tree_shop
    SyncSettings.objects.filter(shop=installed_shop).update(b2b_companies=False)
    run_sync(installed_shop)  # customers and prices first: every later write is a B2B one
    SyncSettings.objects.filter(shop=installed_shop).update(b2b_companies=True)
    assert killed_until_done(installed_shop, forget_links, tries=90) >= 15
    run_sync(installed_shop)
    b2b = sandbox_shop.b2b
    assert (len(b2b.companies), len(b2b.locations)) == (3, 5)
    found = locations(sandbox_shop)
    assert found[ids["north"]][1] == {"boss@acme.test": LA, "north@acme.test": LA, "clerk@acme.test": OO}
    assert found[ids["south"]][1] == {"boss@acme.test": LA, "south@acme.test": LA}
    emails = [c.email for c in sandbox_shop.customers.values()]
    assert len(emails) == len(set(emails))  # no buyer made twice
    contacts_of = [(c.company_id, c.customer_id) for c in b2b.contacts.values()]
    assert len(contacts_of) == len(set(contacts_of))  # no customer twice a contact of one company
    assert run_sync(installed_shop).stats["writes"] == 0


def test_an_incremental_run_reads_the_head_office_of_a_changed_branch(
    tree_shop, installed_shop, sandbox_shop, cin7_account, shopify_sandbox
):
    _, ids = tree_shop
    run_sync(installed_shop)
    north = ids["north"]
    preview = run_sync(installed_shop, full=False, dry_run=True)
    assert preview.status != "failed"
    cin7_account.update_customer(north, Contacts=contacts("north@acme.test", "new@acme.test"))
    mark = len(shopify_sandbox.calls)
    run = run_sync(installed_shop, full=False)
    assert not run.issues.filter(code="b2b_head_office_missing").exists()
    found = locations(sandbox_shop)
    assert found[north][:1] == (ids["hq"],)  # still a location of the head office's company
    assert found[north][1] == {"boss@acme.test": LA, "north@acme.test": LA, "new@acme.test": OO}
    assert "B2BLocationDelete" not in b2b_writes(shopify_sandbox, mark)
    cin7_account.update_customer(north, CustomerParentID=ids["bravo"])
    run_sync(installed_shop, full=False)  # reads North and its new head office, not the old one
    found = locations(sandbox_shop)
    assert found[north][0] == ids["bravo"]
    assert found[north][1] == {"bravo@b.test": LA, "north@acme.test": LA, "new@acme.test": OO}
    orphan = ids["orphan"]
    cin7_account.update_customer(orphan, Contacts=contacts("orphan@o.test", "buyer@acme.test"))
    run = run_sync(installed_shop, full=False)  # Acme HQ not read: its buyer stays there
    assert run.issues.filter(code="b2b_contact_in_two_companies", email="buyer@acme.test").exists()
    assert locations(sandbox_shop)[orphan][1] == {"orphan@o.test": LA}
