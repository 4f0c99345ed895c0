"""What the app manages in Shopify B2B, and what it last wrote there (contract §3 "Native B2B")."""

from django.db import models


class CompanyLink(models.Model):
    """One Cin7 customer's company, its location and main contact; `written` is the state last written."""

    shop = models.ForeignKey("Shop", on_delete=models.CASCADE, related_name="company_links")
    cin7_id = models.CharField(max_length=64)
    company_id = models.CharField(max_length=100, blank=True, default="")
    location_id = models.CharField(max_length=100, blank=True, default="")
    contact_id = models.CharField(max_length=100, blank=True, default="")
    written = models.JSONField(default=dict, blank=True)
    welcomed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "cin7_id"], name="unique_company_link")]

    def __str__(self):
        return f"Cin7 {self.cin7_id} -> {self.company_id or 'no company yet'}"


class ManagedCatalog(models.Model):
    """A catalog the app owns (`tier:<code>`, `customer:<cin7 id>`, or `market:<code>`: a B2B market's
    catalog below Plus, `market_id` its market); `prices` = variant gid -> amount; `volume` = variant gid ->
    the price breaks and pack size written (`syncs.b2b.volume.VariantVolume.state`)."""

    shop = models.ForeignKey("Shop", on_delete=models.CASCADE, related_name="managed_catalogs")
    key = models.CharField(max_length=80)
    title = models.CharField(max_length=255)
    catalog_id = models.CharField(max_length=100, blank=True, default="")
    market_id = models.CharField(max_length=100, blank=True, default="")
    price_list_id = models.CharField(max_length=100, blank=True, default="")
    prices = models.JSONField(default=dict, blank=True)
    volume = models.JSONField(default=dict, blank=True)
    refused_at = models.DateTimeField(
        null=True, blank=True, help_text="Shopify refused to create it (the plan's catalog limit)."
    )
    refusal = models.CharField(max_length=10, blank=True, default="")  # "limit" or "plan" when refused
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "key"], name="unique_managed_catalog")]

    def __str__(self):
        return self.title
