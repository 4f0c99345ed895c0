"""Fixtures shared by the app's webhook tests: Shopify's deliveries and a shop with synced customers."""

import json
import time
import uuid

import pytest
from django.core import mail

from integration_app import scheduling
from tests.conftest import SHOP
from tests.helpers import b2b_customer, run_sync, webhook_signature

SHOPIFY_WEBHOOKS = "/webhooks/shopify"


@pytest.fixture
def deliver(client, settings):
    """POST one delivery as Shopify does: raw JSON body, base64 HMAC of it, topic and shop headers."""

    def post(topic, payload, *, shop=SHOP, webhook_id=None, body=None, signature=None, http=client):
        raw = body if body is not None else json.dumps(payload).encode()
        started = time.perf_counter()
        response = http.post(
            SHOPIFY_WEBHOOKS,
            data=raw,
            content_type="application/json",
            HTTP_X_SHOPIFY_TOPIC=topic,
            HTTP_X_SHOPIFY_SHOP_DOMAIN=shop,
            HTTP_X_SHOPIFY_HMAC_SHA256=signature
            if signature is not None
            else webhook_signature(raw, settings.SHOPIFY_API_SECRET),
            HTTP_X_SHOPIFY_WEBHOOK_ID=webhook_id or str(uuid.uuid4()),
            HTTP_X_SHOPIFY_API_VERSION="2026-10",
        )
        response.elapsed = time.perf_counter() - started
        return response

    return post


@pytest.fixture
def synced_shop(installed_shop, cin7_account):
    """Two synced customers; Ann's phone is invalid (an open problem and an issue row about her)."""
    cin7_account.add_customer(b2b_customer("Ann", "ann@example.com", phone="12"))
    cin7_account.add_customer(b2b_customer("Bob", "bob@example.com"))
    run = run_sync(installed_shop)
    assert run.status == "completed_with_issues"
    scheduling.update_schedules(installed_shop)
    mail.outbox.clear()  # the run's digest about Ann's phone
    return installed_shop
