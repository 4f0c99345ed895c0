"""The app home: id_token check, bounce page, frame-ancestors, App Bridge first (contract §2)."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import SHOP

pytestmark = pytest.mark.django_db


def test_valid_id_token_renders_the_page_framable_only_by_the_shop(
    client, sandboxes, shopify_sandbox, sandbox_shop
):
    query = {"shop": SHOP, "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvYWNtZQ", "embedded": "1"}
    response = client.get("/", {**query, "id_token": shopify_sandbox.mint_session_token(SHOP)})
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == f"frame-ancestors https://{SHOP} https://admin.shopify.com;"
    assert "X-Frame-Options" not in response
    html = response.content.decode()
    head = html.split("<head>", 1)[1]
    assert head.lstrip().startswith('<meta name="shopify-api-key" content="test-api-key">')
    assert head.index("https://cdn.shopify.com/shopifycloud/app-bridge.js") < head.index("<title>")
    assert head.index("<script") == head.index(
        '<script src="https://cdn.shopify.com/shopifycloud/app-bridge.js"'
    )


@pytest.mark.parametrize("id_token", [None, "garbage", "expired"])
def test_missing_or_bad_id_token_bounces_for_a_fresh_one(
    client, sandboxes, shopify_sandbox, sandbox_shop, id_token
):
    query = {"shop": SHOP, "host": "abc", "embedded": "1"}
    if id_token == "expired":
        query["id_token"] = shopify_sandbox.mint_session_token(SHOP, exp_in=-60)
    elif id_token:
        query["id_token"] = id_token
    response = client.get("/", query)
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == "/auth/session-token"
    params = {k: v[0] for k, v in parse_qs(target.query).items()}
    reload_target = urlsplit(params["shopify-reload"])
    assert reload_target.path == "/" and "id_token" not in parse_qs(reload_target.query)
    assert parse_qs(reload_target.query)["shop"] == [SHOP]
    bounce = client.get(response["Location"])
    assert bounce.status_code == 200 and b"app-bridge.js" in bounce.content
    assert bounce["Content-Security-Policy"] == f"frame-ancestors https://{SHOP} https://admin.shopify.com;"
    assert "X-Frame-Options" not in bounce


def test_token_for_another_shop_bounces(client, sandboxes, shopify_sandbox, sandbox_shop):
    shopify_sandbox.add_shop("other.myshopify.com")
    response = client.get(
        "/", {"shop": SHOP, "id_token": shopify_sandbox.mint_session_token("other.myshopify.com")}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("shop", [None, "evil.com", "x.myshopify.com.evil.com"])
def test_bad_shop_is_refused_and_not_framable(client, shop):
    response = client.get("/", {"shop": shop} if shop else {})
    assert response.status_code == 400
    assert response["Content-Security-Policy"] == "frame-ancestors 'none';"


def test_the_page_renders_with_production_storage_before_collectstatic(
    client, settings, tmp_path, sandboxes, shopify_sandbox, sandbox_shop
):
    """DEBUG off, no manifest yet: the page names the apps' own static files instead of failing."""
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "integration_app.storage.StaticFilesStorage"},
    }
    token = shopify_sandbox.mint_session_token(SHOP)
    response = client.get("/", {"shop": SHOP, "host": "abc", "embedded": "1", "id_token": token})
    assert response.status_code == 200
    assert b'href="/static/integration_app/app.css"' in response.content
