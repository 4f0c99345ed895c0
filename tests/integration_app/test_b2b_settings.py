"""`b2b_companies` and `b2b_available` in the settings API (contract §2 settings fields, §3 "Native B2B")."""

import pytest

from integration_app.models import Shop, SyncSettings
from tests.helpers import MARKETS_FACTS

pytestmark = pytest.mark.django_db


def test_get_shows_whether_the_shop_has_b2b(api, installed_shop):
    data = api("get", "/api/settings").json()
    assert (data["b2b_companies"], data["b2b_available"], data["b2b_reason"]) == (False, True, "")


def test_b2b_is_turned_on_where_the_plan_has_it(api, installed_shop):
    response = api("put", "/api/settings", {"b2b_companies": True})
    assert response.status_code == 200, response.content
    assert response.json()["b2b_companies"] is True
    assert SyncSettings.objects.get(shop=installed_shop).b2b_companies is True


def test_turning_b2b_on_without_it_on_the_plan_is_refused_with_the_reason(api, installed_shop, sandbox_shop):
    sandbox_shop.b2b.settings.enabled = False
    sandbox_shop.b2b.settings.plan = "Starter"
    response = api("put", "/api/settings", {"b2b_companies": True})
    assert response.status_code == 400
    assert "not available on this shop's plan (Starter)" in response.json()["fields"]["b2b_companies"]
    assert SyncSettings.objects.get(shop=installed_shop).b2b_companies is False
    data = api("get", "/api/settings").json()
    assert (data["b2b_available"], data["b2b_reason"]) == (False, Shop.objects.get().b2b["reason"])
    assert api("put", "/api/settings", {"b2b_companies": False}).status_code == 200  # off is always fine


def test_b2b_companies_must_be_a_boolean(api, installed_shop):
    response = api("put", "/api/settings", {"b2b_companies": "yes"})
    assert response.status_code == 400 and "b2b_companies" in response.json()["fields"]


@pytest.fixture
def named_tiers(cin7_account):
    for code, name in enumerate(["Wholesale", "Trade", "Distributor", "Export", "Retail"], start=1):
        cin7_account.rename_tier(code, name)


def test_get_shows_the_mode_and_what_reaches_checkout(api, installed_shop):
    Shop.objects.filter(pk=installed_shop.pk).update(b2b=MARKETS_FACTS)
    data = api("get", "/api/settings").json()
    assert data["b2b_mode"] == "markets" and data["b2b_market_tiers"] == []
    assert data["b2b_served_tiers"] == ["Wholesale", "Trade"]
    assert data["b2b_tiers_not_served"] == MARKETS_FACTS["tiers_not_served"]
    assert data["b2b_customer_prices_need_plus"] == 3


def test_before_a_b2b_run_the_mode_is_not_known(api, installed_shop):
    Shop.objects.filter(pk=installed_shop.pk).update(b2b={"available": True, "reason": "", "plan": "Grow"})
    data = api("get", "/api/settings").json()
    assert (data["b2b_mode"], data["b2b_served_tiers"], data["b2b_tiers_not_served"]) == ("", [], [])
    assert data["b2b_customer_prices_need_plus"] == 0


def test_market_tiers_are_chosen_among_the_tiers_cin7_has(api, installed_shop, named_tiers):
    assert api("get", "/api/cin7/options").json()["price_tiers"][:3] == ["Wholesale", "Trade", "Distributor"]
    response = api("put", "/api/settings", {"b2b_market_tiers": ["wholesale", " Export ", "WHOLESALE"]})
    assert response.status_code == 200, response.content
    assert response.json()["b2b_market_tiers"] == ["Wholesale", "Export"]  # Cin7's spelling, once each
    assert SyncSettings.objects.get(shop=installed_shop).b2b_market_tiers == ["Wholesale", "Export"]
    assert api("put", "/api/settings", {"b2b_market_tiers": []}).json()["b2b_market_tiers"] == []


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        (["Wholesale", "Trade", "Distributor", "Export"], "Choose at most 3 price tiers"),
        (["Wholesale", "Gold"], "Cin7 has no price tier named “Gold” (its tiers: Wholesale, Trade,"),
        ("Wholesale", "price tiers must be a list"),
        ([7], "each of the price tiers must be text"),
    ],
)
def test_more_than_three_or_unknown_tiers_are_refused(api, installed_shop, named_tiers, tiers, message):
    api("get", "/api/cin7/options")
    response = api("put", "/api/settings", {"b2b_market_tiers": tiers, "send_invites": False})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"b2b_market_tiers"}
    assert message in response.json()["fields"]["b2b_market_tiers"]
    saved = SyncSettings.objects.get(shop=installed_shop)
    assert (saved.b2b_market_tiers, saved.send_invites) == ([], True)  # nothing saved


def test_tiers_are_checked_against_the_names_last_read_never_waiting_for_cin7(
    api, installed_shop, named_tiers, cin7_server
):
    response = api("put", "/api/settings", {"b2b_market_tiers": ["Wholesale"]})
    assert response.status_code == 400  # never read from Cin7 yet: the page loads them first
    assert "has not read your Cin7 price tiers yet" in response.json()["fields"]["b2b_market_tiers"]
    api("get", "/api/cin7/options")
    cin7_server.reset_calls()
    assert api("put", "/api/settings", {"b2b_market_tiers": ["Wholesale"]}).status_code == 200
    assert not [call for call in cin7_server.calls if "pricetier" in call.endpoint]


def test_a_saved_tier_cin7_renamed_since_still_saves_back(api, installed_shop, named_tiers, cin7_account):
    api("get", "/api/cin7/options")
    api("put", "/api/settings", {"b2b_market_tiers": ["Export"]})
    cin7_account.rename_tier(4, "Overseas")
    api("get", "/api/cin7/options")
    data = api("get", "/api/settings").json()
    response = api("put", "/api/settings", {**data, "sync_interval_minutes": 45})
    assert response.status_code == 200, response.content  # the GET body sent back (read-only fields too)
    assert response.json()["b2b_market_tiers"] == ["Export"]
    refused = api("put", "/api/settings", {"b2b_market_tiers": ["Export", "Gold"]})
    assert "“Gold”" in refused.json()["fields"]["b2b_market_tiers"]


def test_the_read_only_b2b_facts_in_a_put_are_ignored(api, installed_shop):
    Shop.objects.filter(pk=installed_shop.pk).update(b2b=MARKETS_FACTS)
    body = {"b2b_mode": "direct", "b2b_served_tiers": ["X"], "b2b_tiers_not_served": []}
    body |= {"b2b_customer_prices_need_plus": 0, "send_invites": False}
    data = api("put", "/api/settings", body).json()
    assert (data["b2b_mode"], data["b2b_served_tiers"], data["b2b_customer_prices_need_plus"]) == (
        "markets",
        ["Wholesale", "Trade"],
        3,
    )
