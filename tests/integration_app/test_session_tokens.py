"""Session tokens on the JSON API and the embedded page; token exchange as the managed install path."""

import time

import jwt
import pytest
from django.conf import settings

from integration_app.models import Shop
from tests.conftest import SHOP

pytestmark = pytest.mark.django_db


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def claims(**overrides):
    now = int(time.time())
    values = {
        "iss": f"https://{SHOP}/admin",
        "dest": f"https://{SHOP}",
        "aud": "test-api-key",
        "sub": "42",
        "exp": now + 60,
        "nbf": now - 5,
        "iat": now - 5,
        "jti": "0f1e2d3c",
        "sid": "abc123",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def token(secret=None, **overrides):
    return jwt.encode(claims(**overrides), secret or settings.SHOPIFY_API_SECRET, algorithm="HS256")


def test_valid_token_installs_by_token_exchange_and_answers(client, sandboxes, shopify_sandbox, sandbox_shop):
    response = client.get("/api/settings", **bearer(shopify_sandbox.mint_session_token(SHOP)))
    assert response.status_code == 200
    assert response.json()["cin7_api_key_set"] is False
    shop = Shop.objects.get(domain=SHOP)
    assert shop.access_token.startswith("shpat_") and shop.refresh_token
    assert shop.name == "Acme Supply"
    assert [(r.grant_type, r.ok) for r in shopify_sandbox.token_requests] == [
        ("urn:ietf:params:oauth:grant-type:token-exchange", True)
    ]
    # A second request reuses the stored token: no second exchange.
    client.get("/api/settings", **bearer(shopify_sandbox.mint_session_token(SHOP)))
    assert len(shopify_sandbox.token_requests) == 1


@pytest.mark.parametrize(
    "bad",
    [
        "missing",
        "not-a-jwt",
        "expired",
        "not-yet-valid",
        "forged",
        "wrong-audience",
        "evil-dest",
        "iss-dest-mismatch",
        "no-exp",
        "none-alg",
        "plain-http-dest",
        "dest-with-port",
        "dest-with-userinfo",
    ],
)
def test_bad_tokens_get_401_with_the_retry_header_and_change_nothing(client, sandboxes, bad):
    now = int(time.time())
    headers = {
        "missing": {},
        "not-a-jwt": bearer("abc.def"),
        "expired": bearer(token(exp=now - 30, nbf=now - 120)),
        "not-yet-valid": bearer(token(nbf=now + 60)),
        "forged": bearer(token(secret="someone-else-entirely-0123456789abcdef")),
        "wrong-audience": bearer(token(aud="another-app")),
        "evil-dest": bearer(token(dest="https://evil.com", iss="https://evil.com/admin")),
        "iss-dest-mismatch": bearer(token(iss="https://other.myshopify.com/admin")),
        "no-exp": bearer(token(exp=None)),
        "none-alg": bearer(jwt.encode(claims(), None, algorithm="none")),
        "plain-http-dest": bearer(token(dest=f"http://{SHOP}", iss=f"http://{SHOP}/admin")),
        "dest-with-port": bearer(token(dest=f"https://{SHOP}:8443", iss=f"https://{SHOP}:8443/admin")),
        "dest-with-userinfo": bearer(
            token(dest=f"https://evil.com@{SHOP}", iss=f"https://evil.com@{SHOP}/admin")
        ),
    }[bad]
    response = client.get("/api/settings", **headers)
    assert response.status_code == 401
    assert response["X-Shopify-Retry-Invalid-Session-Request"] == "1"
    assert response.json()["error"]
    assert not Shop.objects.exists()


@pytest.mark.parametrize("claim", ["iss", "dest", "aud", "sub", "exp", "nbf", "iat", "jti", "sid"])
def test_a_token_without_any_of_app_bridges_claims_is_refused(client, sandboxes, claim):
    response = client.get("/api/settings", **bearer(token(**{claim: None})))
    assert response.status_code == 401 and not Shop.objects.exists()


def test_a_shop_domain_in_mixed_case_is_the_same_shop(client, sandboxes, shopify_sandbox, sandbox_shop):
    mixed = token(dest="https://Acme-Supply.myshopify.com", iss="https://Acme-Supply.myshopify.com/admin")
    response = client.get("/api/settings", **bearer(mixed))
    assert response.status_code == 200, response.content
    assert Shop.objects.get().domain == SHOP


def test_the_bearer_scheme_is_case_insensitive(client, sandboxes, shopify_sandbox, sandbox_shop):
    response = client.get("/api/settings", HTTP_AUTHORIZATION=f"bearer {token()}")
    assert response.status_code == 200


def test_leeway_of_ten_seconds(client, sandboxes, shopify_sandbox, sandbox_shop):
    now = int(time.time())
    assert client.get("/api/settings", **bearer(token(exp=now - 5, nbf=now - 65))).status_code == 200
    assert client.get("/api/settings", **bearer(token(exp=now - 20, nbf=now - 80))).status_code == 401


def test_expiring_token_is_refreshed_before_expiry_under_the_lock(
    client, sandboxes, shopify_sandbox, sandbox_shop
):
    from django.utils import timezone

    from integration_app.install.tokens import access_token

    client.get("/api/settings", **bearer(shopify_sandbox.mint_session_token(SHOP)))
    shop = Shop.objects.get(domain=SHOP)
    old_access, old_refresh = shop.access_token, shop.refresh_token
    Shop.objects.filter(pk=shop.pk).update(
        access_token_expires_at=timezone.now() + timezone.timedelta(minutes=2)
    )
    shop.refresh_from_db()
    fresh = access_token(shop)
    assert fresh != old_access
    shop.refresh_from_db()
    assert shop.refresh_token != old_refresh  # refresh tokens rotate
    assert shop.access_token_expires_at > timezone.now() + timezone.timedelta(minutes=30)
    assert shopify_sandbox.token_requests[-1].grant_type == "refresh_token"
    # Not due: no further refresh.
    assert access_token(shop) == fresh
    assert shopify_sandbox.token_requests[-1].grant_type == "refresh_token"
    assert len(shopify_sandbox.token_requests) == 2


def test_non_expiring_token_is_accepted(db, sandboxes, shopify_sandbox, sandbox_shop):
    from integration_app.install.tokens import access_token

    shop = Shop.objects.create(domain=SHOP, access_token=shopify_sandbox.issue_token(SHOP))
    assert shop.has_usable_token and not shop.token_needs_refresh
    assert access_token(shop) == shop.access_token


def test_invalid_token_marked_and_exchanged_again(client, sandboxes, shopify_sandbox, sandbox_shop):
    from integration_app.shopify_api import admin_api

    client.get("/api/settings", **bearer(shopify_sandbox.mint_session_token(SHOP)))
    shopify_sandbox.revoke_tokens(SHOP)
    shop = Shop.objects.get(domain=SHOP)
    from connectors.shopify.errors import ShopifyAuthError

    with pytest.raises(ShopifyAuthError):
        admin_api(shop).shop_facts()
    shop.refresh_from_db()
    assert shop.token_invalid_at is not None and not shop.has_usable_token
    # The next page load exchanges a fresh session token for a new offline token.
    assert client.get("/api/settings", **bearer(shopify_sandbox.mint_session_token(SHOP))).status_code == 200
    shop.refresh_from_db()
    assert shop.token_invalid_at is None and admin_api(shop).shop_facts().name == "Acme Supply"


def test_a_refused_token_exchange_asks_app_bridge_for_a_fresh_token(
    client, sandboxes, shopify_sandbox, sandbox_shop
):
    # A session token the app accepts, for a shop the sandbox Shopify does not know: the exchange is refused.
    other = "unknown-shop.myshopify.com"
    response = client.get(
        "/api/settings", **bearer(token(dest=f"https://{other}", iss=f"https://{other}/admin"))
    )
    assert response.status_code == 401 and response["X-Shopify-Retry-Invalid-Session-Request"] == "1"
    assert response.json()["error"] and not Shop.objects.filter(domain=other).exists()


def test_shopify_unreachable_during_token_exchange_is_a_503(client, settings, sandbox_shop, shopify_sandbox):
    from tests.conftest import free_port

    settings.SHOPIFY_ADMIN_URL = f"http://127.0.0.1:{free_port()}/shops/{{shop}}/admin"
    response = client.get("/api/settings", **bearer(shopify_sandbox.mint_session_token(SHOP)))
    assert response.status_code == 503 and "X-Shopify-Retry-Invalid-Session-Request" not in response
    assert response.json()["error"] and not Shop.objects.filter(domain=SHOP).exists()
