"""The embedded settings page, driven in headless Chromium against both sandboxes (issue "Done when").

Each test opens the page as the Shopify admin frames it (`/?shop&host&embedded=1&id_token`), with App
Bridge stood in (see conftest). Screenshots of each state land in `artifacts/screenshots/`.
"""

import re

import pytest
from playwright.sync_api import expect

from integration_app.issue_texts import ISSUE_TITLES
from integration_app.models import (
    Cin7Connection,
    CustomerLink,
    InviteStatus,
    SyncIssue,
    SyncRun,
    SyncSettings,
)
from syncs.issues import FIXES, Code
from tests.browser.conftest import screenshot, toasts
from tests.conftest import CIN7_ACCOUNT, CIN7_KEY, SHOP
from tests.helpers import b2b_customer, run_sync

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_email_customer(name):
    customer = b2b_customer(name, "")
    customer["Contacts"][0].pop("Email")
    return customer


def mapping_rows(page) -> list[tuple[str, str]]:
    tags = page.locator("#mappings .mapping__tag").evaluate_all("els => els.map(e => e.value)")
    groups = page.locator("#mappings .mapping__group").evaluate_all("els => els.map(e => e.value)")
    return list(zip(tags, groups, strict=True))


def save(page):
    page.get_by_role("button", name="Save", exact=True).click()


def test_connect_cin7_with_a_wrong_then_the_right_key(open_app, page, sandbox_shop, cin7_account):
    # A shop the app has never seen: the first load installs it by token exchange (managed install).
    open_app()
    expect(page.get_by_text("Set up in three steps")).to_be_visible()
    expect(page.locator("#tax-rules")).to_contain_text("Connect Cin7 above and test the connection")
    # "Sync automatically" is ticked: the overview says what is missing, never that sync is off.
    expect(page.get_by_label("Sync automatically")).to_be_checked()
    expect(page.locator("#next-sync")).to_have_text(
        "Not yet — automatic syncs start once Cin7 is connected and a B2B customer tag is saved."
    )
    screenshot(page, "01-first-open-1280")

    page.get_by_label("Account ID").fill(CIN7_ACCOUNT)
    page.get_by_label("API key").fill("0342a546-0000-0000-0000-000000000000")
    page.get_by_role("button", name="Test connection").click()
    result = page.locator("#connection-result")
    expect(result).to_contain_text("Cin7 did not accept the connection")
    expect(result).to_contain_text("Cin7 rejected the Account ID / API key")
    expect(result).to_contain_text("Incorrect credentials")
    screenshot(page, "02-connection-wrong-key")

    page.get_by_label("API key").fill(CIN7_KEY)
    page.get_by_role("button", name="Test connection").click()
    expect(result).to_contain_text("Connected to Acme Wholesale")
    expect(result).to_contain_text("Currency USD")
    screenshot(page, "03-connection-ok")

    # Start with one example customer, as the setup steps recommend; then save.
    page.get_by_label("B2B customer tags").fill("b2b")
    page.get_by_label("B2B customer tags").press("Enter")
    expect(page.get_by_role("button", name="Remove tag b2b")).to_be_visible()
    page.get_by_label("Test with these customers only").fill("ann@example.com")
    save(page)
    expect(page.locator("#form-banner")).to_contain_text("Settings saved")
    assert "Settings saved" in toasts(page)

    # Saved credentials let the tax-rule picker offer Cin7's own rules.
    exempt = page.get_by_label("Tax Exempt", exact=True)
    expect(exempt).to_be_visible()
    expect(page.get_by_label("Sales Tax", exact=True)).not_to_be_checked()
    expect(page.locator("#price-tiers")).to_contain_text("Tier 1")
    exempt.check()
    save(page)
    expect(page.locator("#dirty-note")).to_have_text("")
    screenshot(page, "04-connected-and-saved")

    open_app()
    expect(page.get_by_label("Tax Exempt", exact=True)).to_be_checked()
    expect(page.get_by_label("Account ID")).to_have_value(CIN7_ACCOUNT)
    expect(page.get_by_label("API key")).to_have_value("")  # never sent back to the page
    expect(page.get_by_label("Test with these customers only")).to_have_value("ann@example.com")
    saved = SyncSettings.objects.get(shop__domain=SHOP)
    assert (saved.customer_tags, saved.tax_exempt_rules, saved.test_emails) == (
        ["b2b"],
        ["Tax Exempt"],
        ["ann@example.com"],
    )


def test_a_fresh_shop_saves_its_credentials_alone_then_picks_a_tax_rule(
    open_app, page, api, api_log, sandbox_shop, cin7_account
):
    """Step by step: credentials save before any B2B tag; a successful test fills the pickers at once."""
    open_app()
    expect(page.get_by_label("Sync automatically")).to_be_checked()  # the default, with no tag yet
    page.get_by_label("Account ID").fill(CIN7_ACCOUNT)
    page.get_by_label("API key").fill(CIN7_KEY)
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#connection-result")).to_contain_text("Connected to Acme Wholesale")
    # Cin7's tax rules and price tiers, read with the tested (unsaved) credentials.
    expect(page.get_by_label("Tax Exempt", exact=True)).to_be_visible()
    expect(page.locator("#price-tiers")).to_contain_text("Tier 1")
    assert ("POST", "/api/cin7/options", 200) in api_log
    assert not Cin7Connection.objects.exists()
    screenshot(page, "17-tested-not-saved")

    save(page)
    expect(page.locator("#form-banner")).to_contain_text("Settings saved")
    expect(page.locator("#form-banner")).to_contain_text("Automatic syncs start once a B2B customer tag")
    expect(page.locator("#dirty-note")).to_have_text("")
    setup = page.locator('[data-banner="setup"]')  # the steps stay, step 1 marked done
    expect(setup).to_contain_text("Test connection, and save. Done.")
    setup.get_by_role("button", name="Continue with step 2").click()
    expect(page.get_by_label("B2B customer tags")).to_be_focused()
    screenshot(page, "18-credentials-saved-without-tags")
    saved = api("get", "/api/settings").json()
    assert (saved["cin7_account_id"], saved["cin7_api_key_set"], saved["cin7_company"]) == (
        CIN7_ACCOUNT,
        True,
        "Acme Wholesale",
    )
    assert saved["customer_tags"] == [] and saved["sync_enabled"] is True

    page.get_by_label("Tax Exempt", exact=True).check()
    save(page)
    expect(page.locator("#dirty-note")).to_have_text("")
    assert api("get", "/api/settings").json()["tax_exempt_rules"] == ["Tax Exempt"]
    screenshot(page, "19-tax-rule-picked")
    page.get_by_label("B2B customer tags").fill("b2b")
    page.get_by_label("B2B customer tags").press("Enter")
    save(page)
    expect(page.locator("#form-banner")).to_contain_text("Scheduled syncs use these settings")
    expect(setup).to_have_count(0)  # set up: the steps are gone


def test_a_field_error_is_shown_at_the_field_and_focused_then_fixed(open_app, page, installed_shop):
    open_app()
    field = page.get_by_label("Email sync problems to")
    field.fill("ops@acme-supply.example, not-an-email")
    save(page)

    error = page.locator("#notification_emails-error")
    expect(error).to_have_text("Not a valid email address: not-an-email.")
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    assert "notification_emails-error" in field.get_attribute("aria-describedby").split()
    expect(page.locator("#form-banner")).to_contain_text("Some settings need your attention")
    screenshot(page, "05-field-error")

    field.fill("ops@acme-supply.example")
    save(page)
    expect(page.locator("#form-banner")).to_contain_text("Settings saved")
    expect(error).to_be_hidden()
    expect(field).not_to_have_attribute("aria-invalid", "true")
    assert "Settings saved" in toasts(page)
    assert SyncSettings.objects.get(shop=installed_shop).notification_emails == ["ops@acme-supply.example"]


def test_mapping_rows_are_added_reordered_and_removed_by_keyboard_and_the_order_is_saved(
    open_app, page, installed_shop
):
    open_app()
    assert mapping_rows(page) == [("VIP", "VIP")]

    page.get_by_role("button", name="Add mapping").click()
    expect(page.get_by_label("Cin7 tag (row 2)")).to_be_focused()
    page.keyboard.type("Wholesale")
    page.get_by_label("Customer group (row 2)").fill("Wholesale tier")
    page.get_by_role("button", name="Add mapping").click()
    page.get_by_label("Cin7 tag (row 3)").fill("Distributor")
    page.get_by_label("Customer group (row 3)").fill("Distributors")

    # Keyboard only: focus stays on the moved row's button, so Enter keeps moving the same row.
    page.get_by_role("button", name="Move row 3 up").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Move row 2 up")).to_be_focused()
    page.keyboard.press("Enter")
    assert mapping_rows(page) == [
        ("Distributor", "Distributors"),
        ("VIP", "VIP"),
        ("Wholesale", "Wholesale tier"),
    ]
    expect(page.locator("#announcer")).to_contain_text("moved to position 1 of 3")
    screenshot(page, "06-mappings-reordered-unsaved")

    page.get_by_role("button", name="Remove row 2").click()
    assert mapping_rows(page) == [("Distributor", "Distributors"), ("Wholesale", "Wholesale tier")]
    save(page)
    expect(page.locator("#form-banner")).to_contain_text("Settings saved")

    open_app()
    assert mapping_rows(page) == [("Distributor", "Distributors"), ("Wholesale", "Wholesale tier")]
    assert SyncSettings.objects.get(shop=installed_shop).group_mappings == [
        {"tag": "Distributor", "group": "Distributors"},
        {"tag": "Wholesale", "group": "Wholesale tier"},
    ]


def test_preview_shows_the_customers_a_sync_would_create_with_their_fields(
    open_app, page, installed_shop, cin7_account, sandbox_shop
):
    cin7_account.add_customer(b2b_customer("Ann Lee", "ann@example.com", tags="b2b,VIP"))
    cin7_account.add_customer(b2b_customer("Ben Ng", "ben@example.com"))
    open_app()
    page.get_by_role("button", name="Preview").click()

    card = page.locator("#preview-card")
    expect(card).to_contain_text("A sync would create 2 customers")
    expect(card).to_contain_text("Nothing was changed in Shopify")
    expect(page.locator("#preview-heading")).to_be_focused()
    ann = card.locator("details", has_text="ann@example.com")
    expect(ann.locator("summary")).to_contain_text("Create")
    expect(ann.locator("tr", has_text="First name")).to_contain_text("Ann")
    expect(ann.locator("tr", has_text="Customer group")).to_contain_text("VIP")
    expect(ann.locator("tr", has_text="Address")).to_contain_text("San Francisco")
    # Metafield values with their unit, not as raw strings.
    expect(ann.locator("tr", has_text="On credit hold").locator("td.to")).to_have_text("No")
    expect(ann.locator("tr", has_text="Credit limit").locator("td.to")).to_have_text("1000.00 USD")
    expect(ann.locator("tr", has_text="Discount").locator("td.to")).to_have_text("0.00 %")
    screenshot(page, "07-preview")

    assert not sandbox_shop.customers
    assert SyncRun.objects.get(shop=installed_shop).dry_run
    expect(page.locator(".run").first).to_contain_text("Preview — nothing changed")


def test_sync_now_shows_the_run_finish_and_its_issues_with_fixes_filtered_by_code(
    open_app, page, installed_shop, cin7_account, api_log
):
    cin7_account.add_customer(b2b_customer("Ann Lee", "ann@example.com"))
    no_email_id = cin7_account.add_customer(no_email_customer("Nora Mail"))
    cin7_account.add_customer(
        b2b_customer("Far Away", "far@example.com", phone="+14155550100", country="Atlantis")
    )
    open_app()
    page.get_by_role("button", name="Sync now").click()

    run = page.locator(".run").first
    expect(run).to_contain_text("Completed with issues")
    expect(run).to_contain_text("2 created")
    expect(run).to_contain_text("1 skipped")
    expect(run).to_contain_text("Sync now")
    expect(page.locator("#status-list")).not_to_contain_text("never")
    assert any(t.startswith("Sync completed with issues: 2 created") for t in toasts(page))

    run.get_by_role("button", name=re.compile(r"^Show \d+ issues$")).click()
    issues = run.locator(".issue")
    expect(issues).to_have_count(SyncIssue.objects.filter(run__shop=installed_shop).count())
    no_email = run.locator(".issue", has_text="no_email")
    expect(no_email).to_contain_text(no_email_id)
    expect(no_email).to_contain_text(FIXES[Code.NO_EMAIL])
    expect(no_email.locator(".badge")).to_have_text(ISSUE_TITLES[Code.NO_EMAIL])  # a title, not the code
    expect(run.get_by_label("Filter by issue type").locator("option[value=no_email]")).to_have_text(
        "Customer has no email (1)"
    )
    expect(run.locator(".issue", has_text="unknown_country")).to_contain_text("far@example.com")
    screenshot(page, "08-run-with-issues")

    run.get_by_label("Filter by issue type").select_option("no_email")
    expect(issues).to_have_count(1)
    expect(issues.first).to_contain_text(FIXES[Code.NO_EMAIL])
    run_id = SyncRun.objects.get(shop=installed_shop).pk
    assert ("GET", f"/api/runs/{run_id}?code=no_email", 200) in api_log
    screenshot(page, "09-issues-filtered-by-code")


def test_held_invites_of_the_first_import_are_listed_and_released(
    open_app, page, installed_shop, cin7_account, sandbox_shop
):
    cin7_account.add_customer(b2b_customer("Ann Lee", "ann@example.com"))
    cin7_account.add_customer(b2b_customer("Ben Ng", "ben@example.com"))
    run_sync(installed_shop)  # the first full sync holds the invites
    assert not sandbox_shop.invites

    open_app()
    card = page.locator("#invites-card")
    expect(card).to_contain_text("Invites waiting for you (2)")
    expect(page.locator("#status-list")).to_contain_text("2 waiting for you to send")
    screenshot(page, "10-held-invites")

    card.get_by_label("ben@example.com").check()
    card.get_by_role("button", name="Send 1 selected invite").click()
    expect(card).to_contain_text("Invites waiting for you (1)")
    assert [i["to"] for i in sandbox_shop.invites] == ["ben@example.com"]

    card.get_by_role("button", name="Send the invite").click()
    expect(card).to_be_hidden()
    expect(page.locator("#status-list")).to_contain_text("2 sent")
    assert sorted(i["to"] for i in sandbox_shop.invites) == ["ann@example.com", "ben@example.com"]
    assert set(CustomerLink.objects.values_list("invite_status", flat=True)) == {InviteStatus.SENT}


def test_an_invite_that_failed_five_times_can_be_sent_again(
    open_app, page, installed_shop, cin7_account, sandbox_shop
):
    cin7_account.add_customer(b2b_customer("Ann Lee", "ann@example.com"))
    run_sync(installed_shop)
    CustomerLink.objects.filter(shop=installed_shop).update(
        invite_status=InviteStatus.FAILED, invite_attempts=5, invite_error="Shopify said: email is invalid"
    )

    open_app()
    card = page.locator("#invites-card")
    expect(card.locator("h2")).to_have_text("Invites that could not be sent (1)")
    expect(page.locator("#invites-intro")).to_be_hidden()  # the first-import text is about held invites
    expect(card).to_contain_text("email is invalid")
    screenshot(page, "16-failed-invite")
    card.get_by_role("button", name="Send the invite to ann@example.com again").click()
    expect(card).to_be_hidden()
    assert [i["to"] for i in sandbox_shop.invites] == ["ann@example.com"]
    assert CustomerLink.objects.get(shop=installed_shop).invite_status == InviteStatus.SENT


def test_an_expired_session_token_is_refreshed_transparently(
    open_app, page, app_bridge, api_log, installed_shop
):
    app_bridge.expire_next()  # App Bridge hands out a stale token first
    open_app()
    expect(page.get_by_label("Account ID")).to_have_value(CIN7_ACCOUNT)
    assert api_log[:2] == [("GET", "/api/settings", 401), ("GET", "/api/settings", 200)]
    assert all(status == 200 for _, _, status in api_log[2:])
    expect(page.locator("#page-banners")).not_to_contain_text("session")


def test_main_state_at_1280_and_360_px_without_horizontal_scroll(
    open_app, page, installed_shop, cin7_account
):
    ann = cin7_account.add_customer(b2b_customer("Ann Lee", "ann@example.com", tags="b2b,VIP"))
    cin7_account.add_customer(no_email_customer("Nora Mail"))
    run_sync(installed_shop)
    cin7_account.add_customer(b2b_customer("Ben Ng", "ben.ng.purchasing.department@example.com"))
    cin7_account.update_customer(ann, TaxRule="Tax Exempt", CreditLimit=5000)
    open_app()
    page.locator(".run").first.get_by_role("button", name="Show 1 issue").click()
    expect(page.locator(".issue")).to_have_count(1)
    screenshot(page, "11-main-1280")

    page.set_viewport_size({"width": 360, "height": 780})
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview-card")
    expect(preview).to_contain_text("A sync would create 1 customer, update 1 customer")
    ann_update = preview.locator("details", has_text="ann@example.com")
    expect(ann_update.locator("summary")).to_contain_text("Update")
    tax_exempt = ann_update.locator("tr", has_text="Tax exempt")
    expect(tax_exempt.locator("td.from")).to_have_text("No")
    expect(tax_exempt.locator("td.to")).to_have_text("Yes")
    expect(page.locator(".run").nth(1).locator(".issue")).to_have_count(1)  # still open
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "12-main-360")

    open_app()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "13-top-360")


def test_standalone_mode_runs_the_page_on_locally_minted_tokens(
    page, live_server, debug_urls, sandboxes, installed_shop, api_log, shopify_sandbox
):
    page.goto(f"{live_server.url}/dev/standalone?shop={SHOP}")
    expect(page.locator("#app")).to_have_attribute("data-ready", "true")
    expect(page.get_by_text("Standalone development mode — not inside Shopify")).to_be_visible()
    expect(page.get_by_label("Account ID")).to_have_value(CIN7_ACCOUNT)
    assert api_log and all(status == 200 for _, _, status in api_log)
    save(page)
    expect(page.locator("#toasts .toast")).to_contain_text("Settings saved")  # the stand-in's own toast
    screenshot(page, "14-standalone")

    # A shop the app cannot reach: the page says how to set one up.
    page.goto(f"{live_server.url}/dev/standalone?shop=nowhere.myshopify.com")
    expect(page.locator("#page-banners")).to_contain_text("python manage.py demo --serve")
    screenshot(page, "15-standalone-not-installed")


def test_without_debug_there_is_no_standalone_mode(page, live_server, sandboxes):
    assert page.goto(f"{live_server.url}/dev/standalone?shop={SHOP}").status == 404
    assert page.request.get(f"{live_server.url}/dev/session-token?shop={SHOP}").status == 404
