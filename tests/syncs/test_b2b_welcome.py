"""On new customer accounts, company contacts are welcomed by Shopify's `companyContactSendWelcomeEmail`
instead of the app's email, held on a first import like every invite (contract §3 "Native B2B")."""

import pytest

from integration_app.models import CompanyLink, CustomerLink, InviteStatus, SyncSettings
from integration_app.runs.invites import release_held
from tests.helpers import b2b_customer, run_sync

pytestmark = pytest.mark.django_db(transaction=True)


def welcomed_by_the_app(smtp_server) -> list[str]:
    """Recipients of the app's own emails other than the merchant's run digests."""
    return [m["To"] for m in smtp_server.messages if m["To"] != "owner@acme-supply.example"]


@pytest.fixture
def b2b_on(installed_shop, sandbox_shop):
    sandbox_shop.customer_accounts = "NEW_CUSTOMER_ACCOUNTS"
    sandbox_shop.set_plan("Shopify Plus")  # direct catalogs per tier and customer need Plus
    SyncSettings.objects.filter(shop=installed_shop).update(b2b_companies=True)
    return installed_shop


def test_company_contacts_get_shopifys_welcome_not_the_apps(b2b_on, cin7_account, sandbox_shop, smtp_server):
    cin7_account.add_customer(b2b_customer("First", "first@example.com", phone=None))
    run_sync(b2b_on)  # the first import: held
    assert sandbox_shop.b2b.welcome_emails == []
    assert CustomerLink.objects.get().invite_status == InviteStatus.HELD

    cin7_id = cin7_account.add_customer(b2b_customer("Nina", "nina@example.com", phone=None))
    run_sync(b2b_on, kind="customers", full=False)  # no company yet: the welcome waits for it
    assert sandbox_shop.b2b.welcome_emails == [] and welcomed_by_the_app(smtp_server) == []
    run = run_sync(b2b_on, full=False)
    contact_id = CompanyLink.objects.get(cin7_id=cin7_id).contact_id
    assert [(e["contact_id"], e["to"]) for e in sandbox_shop.b2b.welcome_emails] == [
        (contact_id, "nina@example.com")
    ]
    assert run.counts["invited"] == 1 and welcomed_by_the_app(smtp_server) == []
    assert release_held(b2b_on, None) == 1
    run_sync(b2b_on, full=False)
    assert sorted(e["to"] for e in sandbox_shop.b2b.welcome_emails) == [
        "first@example.com",
        "nina@example.com",
    ]
    run_sync(b2b_on)
    assert len(sandbox_shop.b2b.welcome_emails) == 2 and welcomed_by_the_app(smtp_server) == []


def test_buyers_the_app_creates_are_welcomed_once_held_on_the_first_import(
    b2b_on, cin7_account, sandbox_shop
):
    """Every contact with an email is a buyer (contract §3 "Companies as Cin7 shapes them"): the buyer
    customers the B2B phase creates follow the same invite rules."""
    head = b2b_customer("Head", "head@example.com", phone=None)
    head["Contacts"].append({"Name": "Clerk One", "Email": "clerk@example.com", "Default": False})
    head_id = cin7_account.add_customer(head)
    run_sync(b2b_on)  # the first import: the clerk's welcome is held
    assert [e["to"] for e in sandbox_shop.b2b.welcome_emails] == []
    assert sandbox_shop.customer_by_email("clerk@example.com") is not None
    assert release_held(b2b_on, None) == 2  # the head's own invite and the clerk's welcome
    run_sync(b2b_on)
    assert sorted(e["to"] for e in sandbox_shop.b2b.welcome_emails) == [
        "clerk@example.com",
        "head@example.com",
    ]

    contacts = [*cin7_account.customers[head_id]["Contacts"]]
    contacts.append({"Name": "Clerk Two", "Email": "clerk2@example.com", "Default": False})
    cin7_account.update_customer(head_id, Contacts=contacts)
    run = run_sync(b2b_on)  # not a first import: welcomed at once
    assert run.counts["invited"] == 1
    run_sync(b2b_on)
    assert sorted(e["to"] for e in sandbox_shop.b2b.welcome_emails) == [
        "clerk2@example.com",
        "clerk@example.com",
        "head@example.com",
    ]
