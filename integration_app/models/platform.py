"""Bookkeeping for the platform edges: OAuth state, webhook deliveries, the shared Cin7 pace."""

from django.db import models


class OAuthState(models.Model):
    """A single-use `state` nonce of the authorization-code grant, bound to the browser by a cookie."""

    nonce = models.CharField(max_length=64, unique=True)
    shop_domain = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"OAuth state for {self.shop_domain}"


class WebhookDelivery(models.Model):
    """A webhook delivery already acknowledged (Shopify may deliver the same one more than once).

    Deliberately not linked to a shop and holding no domain or personal data: it outlives a `shop/redact`,
    so that delivery replayed after a reinstall is still a duplicate. Kept forever (a few rows per shop:
    only uninstall and privacy topics are recorded), far beyond Shopify's retries (8 over 4 hours).
    """

    webhook_id = models.CharField(max_length=255, unique=True)
    topic = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.topic} {self.webhook_id}"


class Cin7Pace(models.Model):
    """The Cin7 calls made or reserved in the last window for one Cin7 account (epoch seconds, sorted).

    Every worker process reserves its next call here, under a row lock, so all of them together stay
    within CIN7_CALLS_PER_MINUTE for the account (see `integration_app.pacing`); the settings page's calls
    with unverified credentials are paced under their shop's key instead. Rows idle for an hour are pruned.
    """

    account_key = models.CharField(max_length=64, unique=True)
    slots = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self):
        return f"Cin7 pace {self.account_key}"
