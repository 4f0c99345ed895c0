"""Authorization-code install (contract §2 "Install and tokens") against the Shopify sandbox's real OAuth."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from integration_app.auth.signatures import query_hmac_is_valid, sign_query
from integration_app.models import OAuthState, Shop
from tests.conftest import SHOP

pytestmark = pytest.mark.django_db


def start_install(client, shop=SHOP):
    response = client.get("/auth/install", {"shop": shop})
    assert response.status_code == 302
    return response["Location"]


def approve(authorize_url):
    """The merchant approves in the (sandbox) admin, which redirects back with code, hmac, state…"""
    response = requests.get(authorize_url, allow_redirects=False, timeout=10)
    assert response.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["Location"]).query).items()}


def test_install_redirects_to_authorize_with_state_cookie(client, sandboxes, settings):
    location = start_install(client)
    parts = urlsplit(location)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert location.startswith(settings.SHOPIFY_ADMIN_URL.format(shop=SHOP) + "/oauth/authorize?")
    assert query["client_id"] == settings.SHOPIFY_API_KEY
    assert query["scope"] == settings.SHOPIFY_SCOPES
    assert query["redirect_uri"] == f"{settings.APP_URL}/auth/callback"
    assert OAuthState.objects.filter(nonce=query["state"], shop_domain=SHOP, used_at=None).exists()
    cookie = client.cookies["cin7sync_oauth_state"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert query["state"] not in cookie.value.split(":")[-1]  # signed, not the bare nonce


def test_full_install_stores_an_encrypted_expiring_token_and_registers_webhooks(
    client, sandboxes, shopify_sandbox, sandbox_shop, settings
):
    callback = approve(start_install(client))
    response = client.get("/auth/callback", callback)
    assert response.status_code == 302
    assert (
        response["Location"]
        == f"{settings.SHOPIFY_ADMIN_URL.format(shop=SHOP)}/apps/{settings.SHOPIFY_API_KEY}"
    )
    shop = Shop.objects.get(domain=SHOP)
    assert shop.access_token.startswith("shpat_") and shop.refresh_token.startswith("shprt_")
    assert shop.access_token_expires_at is not None and shop.refresh_token_expires_at is not None
    assert (
        shop.name == "Acme Supply" and shop.currency == "USD" and shop.customer_accounts_version == "CLASSIC"
    )
    assert [(r.grant_type, r.ok) for r in shopify_sandbox.token_requests] == [("authorization_code", True)]
    subscriptions = [(w.topic, w.callback_url) for w in sandbox_shop.webhooks]
    assert subscriptions == [("APP_UNINSTALLED", f"{settings.APP_URL}/webhooks/shopify")]


def test_callback_replayed_state_is_refused(client, sandboxes):
    callback = approve(start_install(client))
    assert client.get("/auth/callback", callback).status_code == 302
    token = Shop.objects.get(domain=SHOP).access_token
    assert client.get("/auth/callback", callback).status_code == 403
    assert Shop.objects.get(domain=SHOP).access_token == token


def test_callback_from_another_browser_is_refused(client, sandboxes):
    callback = approve(start_install(client))
    client.cookies.clear()
    assert client.get("/auth/callback", callback).status_code == 403
    assert not Shop.objects.exists()


@pytest.mark.parametrize("tamper", ["hmac", "code", "shop_param", "missing_hmac"])
def test_callback_with_a_bad_signature_is_refused(client, sandboxes, tamper):
    callback = approve(start_install(client))
    if tamper == "hmac":
        callback["hmac"] = "0" * 64
    elif tamper == "code":
        callback["code"] += "x"
    elif tamper == "shop_param":
        callback["shop"] = "other-shop.myshopify.com"
    else:
        del callback["hmac"]
    assert client.get("/auth/callback", callback).status_code == 403
    assert not Shop.objects.exists()


def test_callback_with_a_stale_timestamp_is_refused(client, sandboxes, settings):
    callback = approve(start_install(client))
    callback["timestamp"] = str(int(time.time()) - 3600)
    callback["hmac"] = sign_query(
        {k: v for k, v in callback.items() if k != "hmac"}, settings.SHOPIFY_API_SECRET
    )
    response = client.get("/auth/callback", callback)
    assert response.status_code == 403 and b"too old" in response.content
    assert not Shop.objects.exists()


def test_callback_with_an_expired_state_is_refused(client, sandboxes):
    callback = approve(start_install(client))
    OAuthState.objects.update(created_at=OAuthState.objects.get().created_at.replace(year=2020))
    assert client.get("/auth/callback", callback).status_code == 403


@pytest.mark.parametrize(
    "shop",
    ["evil.com", "x.myshopify.com.evil.com", "-x.myshopify.com", "x.myshopify.com/", "", "x..myshopify.com"],
)
def test_bad_shop_domains_are_refused_before_any_redirect(client, shop):
    assert client.get("/auth/install", {"shop": shop}).status_code == 400
    assert not OAuthState.objects.exists()


def test_bad_shop_domain_on_callback_is_refused(client, settings):
    query = {
        "code": "abc",
        "shop": "x.myshopify.com.evil.com",
        "state": "s",
        "timestamp": str(int(time.time())),
    }
    query["hmac"] = sign_query(query, settings.SHOPIFY_API_SECRET)
    assert client.get("/auth/callback", query).status_code == 400


def test_code_rejected_by_shopify_stores_nothing(client, sandboxes, shopify_sandbox, settings):
    callback = approve(start_install(client))
    # Use the code once outside the app, so Shopify refuses it when the app exchanges it.
    requests.post(
        f"{shopify_sandbox.admin_url_template.format(shop=SHOP)}/oauth/access_token",
        json={
            "client_id": settings.SHOPIFY_API_KEY,
            "client_secret": settings.SHOPIFY_API_SECRET,
            "code": callback["code"],
        },
        timeout=10,
    )
    assert client.get("/auth/callback", callback).status_code == 400
    assert not Shop.objects.exists()


def test_hmac_accepts_either_canonicalisation_of_a_base64_host():
    secret = "s3cret"
    query = {"shop": SHOP, "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvYWNtZQ==", "timestamp": "1", "code": "c"}
    js = sign_query(query, secret)
    legacy = "&".join(f"{k}={v}" for k, v in sorted(query.items()))
    import hashlib
    import hmac as hmac_module

    legacy_hmac = hmac_module.new(secret.encode(), legacy.encode(), hashlib.sha256).hexdigest()
    assert js != legacy_hmac
    assert query_hmac_is_valid({**query, "hmac": js}, secret)
    assert query_hmac_is_valid({**query, "hmac": legacy_hmac}, secret)
    assert not query_hmac_is_valid({**query, "hmac": js}, "other")


@pytest.mark.parametrize("field", ["state", "hmac"])
def test_a_non_ascii_state_or_hmac_on_the_callback_is_refused_not_a_500(client, settings, field):
    """Both are compared in constant time, as bytes (`hmac.compare_digest` raises on non-ASCII text)."""
    start_install(client)
    params = {"shop": SHOP, "code": "abc", "state": "é" * 64, "timestamp": str(int(time.time()))}
    params["hmac"] = sign_query(params, settings.SHOPIFY_API_SECRET)
    if field == "hmac":
        params["hmac"] = "é" + params["hmac"][1:]
    response = client.get("/auth/callback", params)
    assert response.status_code == 403 and not Shop.objects.exists()
