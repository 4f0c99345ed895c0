"""What the app wrote to Shopify, per record, so reruns write only differences."""

from django.db import models


class InviteStatus(models.TextChoices):
    NONE = "", "Not invited"
    HELD = "held", "Held until released"
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    ACCEPTED = "accepted", "Accepted"


MAX_INVITE_ATTEMPTS = 5


class CustomerLink(models.Model):
    """A Cin7 customer and the Shopify customer it is written to.

    `written` holds one hash per written component (customer fields, each metafield) and the list of
    app-managed tags, as Shopify last confirmed them; a rerun compares the desired state with it and
    writes only what differs. Saved right after each confirmed write, so a killed run loses nothing.
    """

    shop = models.ForeignKey("Shop", on_delete=models.CASCADE, related_name="customer_links")
    cin7_id = models.CharField(max_length=64)
    email = models.CharField(max_length=320, blank=True, default="")
    shopify_id = models.CharField(max_length=100, blank=True, default="")
    written = models.JSONField(default=dict, blank=True)
    in_scope = models.BooleanField(default=True)
    created_by_app = models.BooleanField(default=False)
    create_started_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set before customerCreate is sent, so a rerun after a crash knows "
        "a customer found by email was created by the app.",
    )
    refused = models.JSONField(
        null=True,
        blank=True,
        help_text="Shopify refused this desired state ({'hash', 'issues'}): an incremental run that sees the "
        "same state reports the issues again without writing; a full run or a Cin7 change retries.",
    )
    invite_status = models.CharField(max_length=8, choices=InviteStatus.choices, blank=True, default="")
    invite_attempts = models.PositiveSmallIntegerField(default=0)
    invite_error = models.TextField(blank=True, default="")
    invited_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "cin7_id"], name="unique_customer_link")]
        indexes = [
            models.Index(fields=["shop", "email"]),
            models.Index(fields=["shop", "shopify_id"]),
            models.Index(fields=["shop", "invite_status"]),
        ]

    def __str__(self):
        return f"Cin7 {self.cin7_id} -> {self.shopify_id or 'not linked'}"


class VariantPrice(models.Model):
    """The `cin7.price_tiers` value last written to one Shopify variant (as a hash)."""

    shop = models.ForeignKey("Shop", on_delete=models.CASCADE, related_name="variant_prices")
    variant_id = models.CharField(max_length=100)
    sku = models.CharField(max_length=255)
    value_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "variant_id"], name="unique_variant_price")]
        indexes = [models.Index(fields=["shop", "sku"])]

    def __str__(self):
        return f"{self.sku} ({self.variant_id})"
