"""A shop that installed the app, its Cin7 credentials, its settings and its sync bookkeeping."""

from datetime import timedelta

from django.db import models
from django.utils import timezone

from ..fields import EncryptedTextField

# Refresh an expiring offline token this long before it expires (the Shopify libraries use 5 minutes).
TOKEN_REFRESH_MARGIN = timedelta(minutes=5)


class CustomerAccountsVersion(models.TextChoices):
    CLASSIC = "CLASSIC", "Classic customer accounts"
    NEW = "NEW_CUSTOMER_ACCOUNTS", "New customer accounts"


class Shop(models.Model):
    """A `*.myshopify.com` store. Tokens are encrypted at rest and never rendered."""

    domain = models.CharField(max_length=255, unique=True)
    access_token = EncryptedTextField(blank=True, default="")
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_token = EncryptedTextField(blank=True, default="")
    refresh_token_expires_at = models.DateTimeField(null=True, blank=True)
    scopes = models.CharField(max_length=1000, blank=True, default="")
    token_invalid_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when Shopify rejected the token (401); cleared by a new token."
    )
    installed_at = models.DateTimeField(null=True, blank=True)
    uninstalled_at = models.DateTimeField(null=True, blank=True)

    shop_gid = models.CharField(max_length=100, blank=True, default="")
    name = models.CharField(max_length=255, blank=True, default="")
    email = models.EmailField(blank=True, default="")
    currency = models.CharField(max_length=3, blank=True, default="")
    country_code = models.CharField(max_length=2, blank=True, default="")
    customer_accounts_version = models.CharField(
        max_length=32, choices=CustomerAccountsVersion.choices, blank=True, default=""
    )
    customer_accounts_url = models.URLField(max_length=500, blank=True, default="")
    b2b = models.JSONField(
        default=dict, blank=True, help_text="Shopify B2B availability: available, reason, plan, checked_at."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.domain

    @property
    def is_installed(self) -> bool:
        return bool(self.access_token) and self.uninstalled_at is None

    @property
    def has_usable_token(self) -> bool:
        """A stored token Shopify has not rejected, and either non-expiring or refreshable."""
        if not self.is_installed or self.token_invalid_at is not None:
            return False
        if self.access_token_expires_at is None or self.access_token_expires_at > timezone.now():
            return True
        return bool(self.refresh_token) and (
            self.refresh_token_expires_at is None or self.refresh_token_expires_at > timezone.now()
        )

    @property
    def token_needs_refresh(self) -> bool:
        return (
            self.access_token_expires_at is not None
            and self.access_token_expires_at - TOKEN_REFRESH_MARGIN <= timezone.now()
        )

    @property
    def uses_classic_accounts(self) -> bool:
        return self.customer_accounts_version == CustomerAccountsVersion.CLASSIC


class Cin7Connection(models.Model):
    """The Cin7 Core API application the merchant created for this app."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="cin7")
    account_id = models.CharField(max_length=64)
    api_key = EncryptedTextField()
    company = models.CharField(max_length=255, blank=True, default="")
    currency = models.CharField(max_length=3, blank=True, default="")
    verified_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Cin7 account {self.account_id} for {self.shop.domain}"


class OnUntag(models.TextChoices):
    KEEP = "keep", "Keep the customer as it is"
    STRIP = "strip", "Remove the app's tags and cin7 metafields"


class PackSize(models.TextChoices):
    NONE = "none", "Sell single units"
    CARTON = "carton", "Sell in Cin7 carton quantities"


class SyncSettings(models.Model):
    """The merchant's choices (contract §2 "Settings fields"), validated by `settings_form`."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="sync_settings")
    customer_tags = models.JSONField(default=list, blank=True)
    group_mappings = models.JSONField(default=list, blank=True)
    tax_exempt_rules = models.JSONField(default=list, blank=True)
    sync_enabled = models.BooleanField(default=True)
    sync_interval_minutes = models.PositiveIntegerField(default=15)
    full_sync_interval_hours = models.PositiveIntegerField(default=24)
    send_invites = models.BooleanField(default=True)
    on_untag = models.CharField(max_length=5, choices=OnUntag.choices, default=OnUntag.KEEP)
    test_emails = models.JSONField(default=list, blank=True)
    notification_emails = models.JSONField(default=list, blank=True)
    b2b_companies = models.BooleanField(default=False)
    b2b_market_tiers = models.JSONField(default=list, blank=True)  # below Plus: up to 3 Cin7 tier names
    b2b_pack_size = models.CharField(max_length=6, choices=PackSize.choices, default=PackSize.NONE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "sync settings"

    def __str__(self):
        return f"Settings for {self.shop.domain}"

    @property
    def recipients(self) -> list[str]:
        return list(self.notification_emails) or ([self.shop.email] if self.shop.email else [])


class ShopSyncState(models.Model):
    """What the syncs remember between runs: watermarks, tier names, one-time setup."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="sync_state")
    customers_watermark = models.DateTimeField(null=True, blank=True)
    products_watermark = models.DateTimeField(null=True, blank=True)
    last_full_customers_at = models.DateTimeField(null=True, blank=True)
    last_full_pricing_at = models.DateTimeField(null=True, blank=True)
    price_tier_names = models.JSONField(default=list, blank=True)
    price_tier_names_hash = models.CharField(max_length=64, blank=True, default="")
    definitions_version = models.PositiveIntegerField(default=0)
    first_full_customer_sync_done = models.BooleanField(default=False)
    shopify_customers_checked = models.JSONField(
        default=dict,
        blank=True,
        help_text="Customers checked for edits made in Shopify: up to Shopify's updatedAt `until`, and "
        "`ids`, the ones updated at that very second.",
    )
    alert_active = models.BooleanField(default=False)
    last_alert_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Sync state of {self.shop.domain}"
