"""The shop's Cin7 webhook registrations and the runs their deliveries have asked for."""

import secrets

from django.db import models

from ..fields import EncryptedTextField


class WebhookStatus(models.TextChoices):
    OFF = "off", "Off"
    ACTIVE = "active", "Active"
    UNAVAILABLE = "unavailable", "Unavailable"


def new_key() -> str:
    return secrets.token_urlsafe(24)


class Cin7Webhooks(models.Model):
    """Where Cin7 delivers (`/webhooks/cin7/<key>`: public, unguessable, not the shop's domain), the bearer
    token it sends (encrypted), which Cin7 account holds the registrations (with `retired_key`, the key of
    that account once the shop's credentials moved to another one, until a worker deleted them there), and
    the coalesced wake-up: `wake_kinds` are the run kinds deliveries asked for since the last run started,
    `burst_runs` how many runs deliveries woke since the last quiet spell."""

    shop = models.OneToOneField("Shop", on_delete=models.CASCADE, related_name="cin7_webhooks")
    key = models.CharField(max_length=64, unique=True, default=new_key)
    token = EncryptedTextField(blank=True, default="")
    account_id = models.CharField(max_length=64, blank=True, default="")
    retired_key = EncryptedTextField(blank=True, default="")
    status = models.CharField(max_length=12, choices=WebhookStatus.choices, default=WebhookStatus.OFF)
    reason = models.TextField(blank=True, default="")
    checked_at = models.DateTimeField(null=True, blank=True)
    wake_kinds = models.JSONField(default=list, blank=True)
    last_delivery_at = models.DateTimeField(null=True, blank=True)
    wake_queued_at = models.DateTimeField(
        null=True, blank=True, help_text="Set while a wake task is queued or scheduled."
    )
    burst_runs = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name_plural = "Cin7 webhooks"

    def __str__(self):
        return f"Cin7 webhooks of {self.shop.domain} ({self.status})"
