"""The settings JSON API and its validation (contract §2 "JSON API")."""

import json

import pytest
from django_q.models import Schedule

from integration_app.api.forms import clean_settings
from integration_app.models import Cin7Connection, Shop, SyncSettings
from tests.conftest import CIN7_ACCOUNT, CIN7_KEY, SHOP

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api, sandboxes):
    """The JSON API, with both sandboxes running (settings are checked against Cin7)."""
    return api


VALID = {
    "cin7_account_id": CIN7_ACCOUNT,
    "cin7_api_key": CIN7_KEY,
    "customer_tags": ["b2b", " B2B ", "Trade"],
    "group_mappings": [{"tag": "VIP", "group": "VIP buyers"}, {"tag": "Gold", "group": "Gold"}],
    "tax_exempt_rules": ["Tax Exempt"],
    "sync_enabled": True,
    "sync_interval_minutes": 30,
    "full_sync_interval_hours": 12,
    "send_invites": False,
    "on_untag": "strip",
    "test_emails": [" One@Example.com "],
    "notification_emails": ["ops@example.com"],
}


def test_save_and_read_back_without_the_key(api):
    response = api("put", "/api/settings", VALID)
    assert response.status_code == 200, response.content
    data = api("get", "/api/settings").json()
    assert "cin7_api_key" not in data and data["cin7_api_key_set"] is True
    assert CIN7_KEY not in json.dumps(data)
    assert data["customer_tags"] == ["b2b", "Trade"]  # trimmed, de-duplicated case-insensitively
    assert data["test_emails"] == ["one@example.com"]
    assert data["group_mappings"][0] == {"tag": "VIP", "group": "VIP buyers"}
    assert (data["sync_interval_minutes"], data["full_sync_interval_hours"], data["on_untag"]) == (
        30,
        12,
        "strip",
    )
    assert Cin7Connection.objects.get().api_key == CIN7_KEY
    # New credentials are verified once on save: the page can show the company at once.
    assert (data["cin7_company"], data["cin7_currency"], data["cin7_verified"]) == (
        "Acme Wholesale",
        "USD",
        True,
    )


def test_what_get_returns_can_be_edited_and_sent_back(api):
    api("put", "/api/settings", VALID)
    data = api("get", "/api/settings").json()
    response = api("put", "/api/settings", {**data, "sync_interval_minutes": 45})
    assert response.status_code == 200, response.content
    assert response.json() == {**data, "sync_interval_minutes": 45}  # the read-only fields are ignored
    assert Cin7Connection.objects.get().api_key == CIN7_KEY


def test_wrong_credentials_are_saved_but_not_verified(api):
    response = api("put", "/api/settings", {**VALID, "cin7_api_key": "not-the-key"})
    assert response.status_code == 200
    assert response.json()["cin7_verified"] is False and response.json()["cin7_company"] == ""


def test_blank_key_keeps_the_stored_one(api):
    api("put", "/api/settings", VALID)
    response = api("put", "/api/settings", {"cin7_api_key": "", "sync_interval_minutes": 60})
    assert response.status_code == 200
    assert Cin7Connection.objects.get().api_key == CIN7_KEY
    assert SyncSettings.objects.get().sync_interval_minutes == 60


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sync_interval_minutes": 4}, "sync_interval_minutes"),
        ({"sync_interval_minutes": 1441}, "sync_interval_minutes"),
        ({"sync_interval_minutes": "15"}, "sync_interval_minutes"),
        ({"full_sync_interval_hours": 0}, "full_sync_interval_hours"),
        ({"full_sync_interval_hours": 169}, "full_sync_interval_hours"),
        ({"on_untag": "delete"}, "on_untag"),
        ({"b2b_pack_size": "pallet"}, "b2b_pack_size"),
        ({"b2b_pack_size": None}, "b2b_pack_size"),
        ({"notification_emails": ["not-an-email"]}, "notification_emails"),
        ({"test_emails": "one@example.com"}, "test_emails"),
        ({"group_mappings": [{"tag": "VIP"}]}, "group_mappings"),
        ({"group_mappings": [{"tag": "VIP", "group": "A"}, {"tag": "vip", "group": "B"}]}, "group_mappings"),
        ({"customer_tags": [], "sync_enabled": True}, "customer_tags"),
        ({"customer_tags": ["two\nlines"]}, "customer_tags"),
        ({"send_invites": "yes"}, "send_invites"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_values_get_400_with_the_field_and_save_nothing(api, changes, field):
    api("put", "/api/settings", VALID)
    before = api("get", "/api/settings").json()
    response = api("put", "/api/settings", {**VALID, **changes})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] and field in body["fields"] and body["fields"][field]
    assert api("get", "/api/settings").json() == before


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("post", "/api/settings", "GET, PUT"),
        ("delete", "/api/settings", "GET, PUT"),
        ("get", "/api/sync", "POST"),
        ("put", "/api/runs", "GET"),
        ("get", "/api/invites/send", "POST"),
    ],
)
def test_a_wrong_method_gets_405_in_the_json_error_shape(api, method, path, allowed):
    response = api(method, path)
    assert response.status_code == 405 and response["Allow"] == allowed
    assert set(response.json()) == {"error", "fields"}


@pytest.mark.parametrize("path", ["/api/nothing-here", "/api/runs/abc", "/api/settings/"])
def test_an_unknown_api_address_gets_404_in_the_json_error_shape(api, path):
    response = api("get", path)
    assert response.status_code == 404
    assert set(response.json()) == {"error", "fields"}


@pytest.mark.parametrize(
    "changes",
    [
        {"cin7_account_id": CIN7_ACCOUNT, "cin7_api_key": CIN7_KEY},
        {"sync_interval_minutes": 5},
        {"full_sync_interval_hours": 168, "on_untag": "strip"},
        # What the page sends: the whole form, sync ticked (its default) and no tag yet.
        {**VALID, "customer_tags": [], "group_mappings": [], "tax_exempt_rules": []},
    ],
)
def test_a_fresh_shop_saves_fields_before_choosing_its_tags(api, changes):
    response = api("put", "/api/settings", changes)
    assert response.status_code == 200, response.content
    saved = api("get", "/api/settings").json()
    assert all(saved[k] == v for k, v in changes.items() if k not in ("cin7_api_key", "test_emails"))
    assert saved["customer_tags"] == [] and saved["sync_enabled"] is True
    assert not Schedule.objects.exists()  # nothing is scheduled without a tag
    # Only turning sync on needs a tag.
    assert api("put", "/api/settings", {"sync_enabled": False}).status_code == 200
    response = api("put", "/api/settings", {**changes, "sync_enabled": True})
    assert response.status_code == 400 and "customer_tags" in response.json()["fields"]
    assert api("put", "/api/settings", {"sync_enabled": True, "customer_tags": ["b2b"]}).status_code == 200


def test_the_bearer_token_replaces_the_csrf_cookie(sandboxes, shopify_sandbox, sandbox_shop):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {shopify_sandbox.mint_session_token(SHOP)}"}
    body = json.dumps({"sync_interval_minutes": 30})
    response = browser.put("/api/settings", data=body, content_type="application/json", **headers)
    assert response.status_code == 200
    assert browser.post("/api/sync", data="{}", content_type="application/json", **headers).status_code == 409


def test_body_must_be_a_json_object(api, client, shopify_sandbox):
    assert api("put", "/api/settings", [1, 2]).status_code == 400
    headers = {"HTTP_AUTHORIZATION": f"Bearer {shopify_sandbox.mint_session_token(SHOP)}"}
    for body in ("{not json", "[" * 100_000):
        response = client.put("/api/settings", data=body, content_type="application/json", **headers)
        assert response.status_code == 400 and set(response.json()) == {"error", "fields"}


def test_key_without_account_and_account_without_key(api):
    response = api("put", "/api/settings", {"cin7_api_key": "abc"})
    assert response.status_code == 400 and "cin7_account_id" in response.json()["fields"]
    response = api("put", "/api/settings", {"cin7_account_id": "abc"})
    assert response.status_code == 400 and "cin7_api_key" in response.json()["fields"]


def test_test_connection_with_posted_then_stored_credentials(api):
    ok = api(
        "post", "/api/settings/test-connection", {"cin7_account_id": CIN7_ACCOUNT, "cin7_api_key": CIN7_KEY}
    )
    assert ok.json() == {"ok": True, "company": "Acme Wholesale", "currency": "USD"}
    bad = api(
        "post", "/api/settings/test-connection", {"cin7_account_id": CIN7_ACCOUNT, "cin7_api_key": "wrong"}
    )
    assert bad.json()["ok"] is False and "rejected" in bad.json()["error"].lower()
    assert "wrong" not in bad.json()["error"] and CIN7_ACCOUNT not in bad.json()["error"]
    api("put", "/api/settings", VALID)
    stored = api("post", "/api/settings/test-connection", {})
    assert stored.json()["ok"] is True


@pytest.mark.parametrize("body", [{"cin7_account_id": 5}, {"cin7_api_key": ["key"]}, {"cin7_api_key": {}}])
def test_test_connection_refuses_credentials_that_are_not_text(api, body):
    response = api("post", "/api/settings/test-connection", body)
    assert response.status_code == 400
    assert set(response.json()["fields"]) == set(body)


def test_cin7_options_lists_active_tax_rules_and_tiers(api):
    assert api("get", "/api/cin7/options").status_code == 409  # not connected yet
    api("put", "/api/settings", VALID)
    options = api("get", "/api/cin7/options").json()
    assert options["tax_rules"] == ["Tax Exempt", "Sales Tax"]
    assert len(options["price_tiers"]) == 10


def test_cin7_options_with_tested_credentials_not_saved_yet(api):
    credentials = {"cin7_account_id": CIN7_ACCOUNT, "cin7_api_key": CIN7_KEY}
    assert api("post", "/api/cin7/options", {}).status_code == 409
    options = api("post", "/api/cin7/options", credentials).json()
    assert options["tax_rules"] == ["Tax Exempt", "Sales Tax"] and len(options["price_tiers"]) == 10
    assert not Cin7Connection.objects.exists()  # read, not saved
    wrong = api("post", "/api/cin7/options", {**credentials, "cin7_api_key": "wrong"})
    assert wrong.status_code == 502 and "wrong" not in wrong.json()["error"]
    assert api("post", "/api/cin7/options", {"cin7_api_key": 5}).status_code == 400
    api("put", "/api/settings", VALID)
    assert api("post", "/api/cin7/options", {}).json() == options  # the stored ones


def test_status_summarises_the_shop(api):
    api("put", "/api/settings", VALID)
    status = api("get", "/api/status").json()
    assert status["shop"]["domain"] == SHOP and status["installed"] and status["cin7_connected"]
    assert status["next_runs"]["incremental"] and status["next_runs"]["full"]
    assert status["last_success"] == {"all": None, "customers": None, "pricing": None}
    assert status["active_run"] is None and status["needs_reauthorization"] is False


def test_sync_request_validation(api):
    assert api("post", "/api/sync", {"kind": "all"}).status_code == 409  # Cin7 not connected
    api("put", "/api/settings", VALID)
    response = api("post", "/api/sync", {"kind": "everything", "full": "yes"})
    assert response.status_code == 400 and set(response.json()["fields"]) == {"kind", "full"}


def test_clean_settings_is_the_single_rule_set():
    cleaned, errors = clean_settings({"customer_tags": ["a", "A", " b "]}, {"sync_enabled": True})
    assert cleaned == {"customer_tags": ["a", "b"]} and errors == {}
    _cleaned, errors = clean_settings("nope", {})
    assert errors == {"__all__": "Send the settings as a JSON object."}


def test_market_tiers_need_the_cin7_tier_names_read_before():
    tiers = {"b2b_market_tiers": ["retail", "Trade"]}
    cleaned, errors = clean_settings(tiers, {}, ["Trade", "Retail", "VIP"])
    assert cleaned == {"b2b_market_tiers": ["Retail", "Trade"]} and errors == {}
    cleaned, errors = clean_settings(tiers, {"b2b_market_tiers": ["Trade"]}, None)
    assert cleaned == {} and "has not read your Cin7 price tiers yet" in errors["b2b_market_tiers"]
    cleaned, errors = clean_settings({"b2b_market_tiers": ["Trade"]}, {"b2b_market_tiers": ["Trade"]}, None)
    assert cleaned == {"b2b_market_tiers": ["Trade"]} and errors == {}  # saved before: kept


def test_settings_of_another_shop_are_not_visible(client, sandboxes, shopify_sandbox, sandbox_shop, api):
    api("put", "/api/settings", VALID)
    shopify_sandbox.add_shop("other-store.myshopify.com")
    token = shopify_sandbox.mint_session_token("other-store.myshopify.com")
    other = client.get("/api/settings", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert other["cin7_api_key_set"] is False and other["customer_tags"] == []
    assert Shop.objects.count() == 2


def test_pack_size_defaults_to_none_and_carton_can_be_saved(api):
    assert api("get", "/api/settings").json()["b2b_pack_size"] == "none"
    response = api("put", "/api/settings", {"b2b_pack_size": "carton"})
    assert response.status_code == 200, response.content
    assert response.json()["b2b_pack_size"] == "carton"
    assert SyncSettings.objects.get().b2b_pack_size == "carton"
