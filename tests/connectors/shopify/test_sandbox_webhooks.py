"""Webhook subscriptions and signed deliveries, received by a tiny HTTP server."""

import base64
import hashlib
import hmac
import json

import pytest

from tests.connectors.receiver import Receiver

from .conftest import API_SECRET, SHOP

SUBSCRIBE = """mutation($url: String!) {
  webhookSubscriptionCreate(topic: APP_UNINSTALLED, webhookSubscription: {uri: $url, format: JSON}) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}"""


@pytest.fixture
def receiver():
    receiver = Receiver("/webhooks/shopify")
    yield receiver
    receiver.close()


def verified(headers: dict, body: bytes) -> bool:
    expected = base64.b64encode(hmac.new(API_SECRET.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, headers["x-shopify-hmac-sha256"])


def test_subscription_is_stored_and_duplicates_are_refused(shop, admin, receiver):
    created = admin.data(SUBSCRIBE, {"url": receiver.url})["webhookSubscriptionCreate"]
    duplicate = admin.data(SUBSCRIBE, {"url": receiver.url})["webhookSubscriptionCreate"]

    subscription = created["webhookSubscription"]
    assert created["userErrors"] == [] and subscription["topic"] == "APP_UNINSTALLED"
    assert subscription["uri"] == receiver.url
    assert duplicate["webhookSubscription"] is None
    assert duplicate["userErrors"][0]["message"] == "Address for this topic has already been taken"
    assert [w.callback_url for w in shop.webhooks] == [receiver.url]


def test_send_webhook_posts_a_signed_body_with_shopify_headers(sandbox, receiver):
    status, body = sandbox.send_webhook(
        SHOP,
        "customers/redact",
        {"shop_domain": SHOP, "customer": {"id": 1}},
        url=receiver.url,
        webhook_id="delivery-1",
    )

    headers, raw = receiver.received[0]
    assert (status, body) == (200, "ok")
    assert verified(headers, raw) and json.loads(raw) == {"shop_domain": SHOP, "customer": {"id": 1}}
    assert headers["x-shopify-topic"] == "customers/redact"
    assert headers["x-shopify-shop-domain"] == SHOP
    assert headers["x-shopify-webhook-id"] == "delivery-1"
    assert headers["x-shopify-api-version"] == "2026-10"
    assert headers["x-shopify-triggered-at"].endswith("Z") and headers["x-shopify-event-id"]
    assert headers["content-type"] == "application/json"


def test_send_webhook_goes_to_subscriptions_and_needs_a_target(sandbox, admin, receiver):
    admin.data(SUBSCRIBE, {"url": receiver.url})
    assert sandbox.send_webhook(SHOP, "app/uninstalled", {"id": 1})[0] == 200
    assert receiver.received[0][0]["x-shopify-topic"] == "app/uninstalled"
    with pytest.raises(ValueError, match="no subscription"):
        sandbox.send_webhook(SHOP, "customers/update", {"id": 1})


def test_uninstall_revokes_tokens_and_notifies_subscribers(sandbox, shop, admin, receiver):
    admin.data(SUBSCRIBE, {"url": receiver.url})

    results = sandbox.uninstall(SHOP)

    assert results == [(200, "ok")]
    headers, raw = receiver.received[0]
    assert verified(headers, raw) and json.loads(raw)["myshopify_domain"] == SHOP
    assert admin.post("{ shop { name } }").status_code == 401
    assert shop.webhooks == []


def test_unreachable_endpoint_reports_status_zero(sandbox):
    status, reason = sandbox.send_webhook(SHOP, "shop/redact", {}, url="http://127.0.0.1:9/nothing")
    assert status == 0 and reason
