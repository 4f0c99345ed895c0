"""`b2b_companies` and `b2b_available` in the settings API (contract §2 settings fields, §3 "Native B2B")."""

import pytest

from integration_app.models import Shop, SyncSettings

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
