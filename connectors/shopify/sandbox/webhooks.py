"""Signed webhook deliveries, with the headers Shopify sends (FACTS §3)."""

import base64
import hashlib
import hmac
import json
import uuid

import requests

from .context import iso

DELIVERY_TIMEOUT = 5


def topic_enum(topic: str) -> str:
    """`app/uninstalled` -> `APP_UNINSTALLED`, the WebhookSubscriptionTopic of a delivery topic."""
    return topic.replace("/", "_").upper()


def signature(secret: str, body: bytes) -> str:
    """`X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256 of the raw body keyed with the client secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def deliver(
    url: str,
    *,
    secret: str,
    shop: str,
    topic: str,
    payload: dict,
    api_version: str,
    now: float,
    webhook_id: str | None = None,
    event_id: str | None = None,
) -> tuple[int, str]:
    """POST one delivery; (status, body), or (0, reason) when the endpoint could not be reached."""
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": signature(secret, body),
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-API-Version": api_version,
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Triggered-At": iso(now),
        "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
    }
    try:
        response = requests.post(url, data=body, headers=headers, timeout=DELIVERY_TIMEOUT)
    except requests.RequestException as error:
        return 0, f"{type(error).__name__}: {error}"
    return response.status_code, response.text
