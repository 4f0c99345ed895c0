"""Standalone development mode: DEBUG only, page marked as such, locally minted session tokens."""

import time

import jwt
import pytest
from django.http import Http404
from django.test import RequestFactory

from integration_app.auth.session_tokens import shop_from_session_token
from integration_app.pages import standalone
from tests.conftest import SHOP

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/dev/standalone", "/dev/session-token"])
def test_without_debug_the_routes_do_not_exist(client, settings, path):
    assert not settings.DEBUG
    assert client.get(path, {"shop": SHOP}).status_code == 404


@pytest.mark.parametrize("view", [standalone.standalone_page, standalone.session_token])
def test_without_debug_the_views_refuse_even_if_routed(settings, view):
    settings.DEBUG = False
    with pytest.raises(Http404):
        view(RequestFactory().get("/", {"shop": SHOP}))


def test_session_token_is_a_valid_60_second_shopify_session_token(client, settings, debug_urls):
    response = client.get("/dev/session-token", {"shop": SHOP})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = response.json()["token"]
    claims = jwt.decode(
        token, settings.SHOPIFY_API_SECRET, algorithms=["HS256"], audience=settings.SHOPIFY_API_KEY
    )
    assert {"iss", "dest", "aud", "sub", "exp", "nbf", "iat", "jti", "sid"} <= claims.keys()
    assert claims["iss"] == f"https://{SHOP}/admin"
    assert claims["dest"] == f"https://{SHOP}"
    assert claims["exp"] - claims["iat"] == 60
    assert abs(claims["iat"] - time.time()) < 5
    assert shop_from_session_token(token) == SHOP  # what the JSON API checks


def test_the_token_opens_the_json_api(client, debug_urls, installed_shop):
    token = client.get("/dev/session-token", {"shop": SHOP}).json()["token"]
    response = client.get("/api/status", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["shop"]["domain"] == SHOP


def test_each_token_is_unique(client, debug_urls):
    first, second = (client.get("/dev/session-token", {"shop": SHOP}).json()["token"] for _ in range(2))
    assert first != second


def test_standalone_page_is_marked_and_loads_the_local_app_bridge_first(client, debug_urls, installed_shop):
    response = client.get("/dev/standalone", {"shop": SHOP})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Standalone development mode — not inside Shopify" in html
    assert "cdn.shopify.com" not in html
    head = html.split("<head>", 1)[1]
    assert head.lstrip().startswith('<meta name="shopify-api-key" content="test-api-key">')
    assert head.index("<script") == head.index('<script src="/static/integration_app/dev-app-bridge.js"')
    assert 'data-standalone="true"' in html
    assert response["Content-Security-Policy"] == "frame-ancestors 'none';"


@pytest.mark.parametrize("shop", [None, "evil.com", "x.myshopify.com.evil.com"])
def test_bad_shop_is_refused(client, debug_urls, shop):
    for path in ("/dev/standalone", "/dev/session-token"):
        assert client.get(path, {"shop": shop} if shop else {}).status_code == 400


def test_the_embedded_page_is_not_standalone(client, sandboxes, shopify_sandbox, sandbox_shop):
    response = client.get(
        "/",
        {"shop": SHOP, "host": "abc", "embedded": "1", "id_token": shopify_sandbox.mint_session_token(SHOP)},
    )
    html = response.content.decode()
    assert 'data-standalone="false"' in html
    assert "Standalone development mode" not in html
    assert "dev-app-bridge.js" not in html
