"""Shopify's privacy requests (customers/data_request, customers/redact, shop/redact) until they are done."""

from django.db import models


class ComplianceRequest(models.Model):
    """One privacy request from Shopify, kept only until its work is done, then deleted.

    The queued task carries this row's id, never the request: a failed task's arguments in django-q's
    task table name no customer. `payload` holds what the work needs (for the customer topics the
    customer's id and email) and goes with the row. A failed attempt leaves the row with its `attempts`
    and `next_attempt_at`, when the minute sweep queues it again (also after a worker died mid-task).
    """

    topic = models.CharField(max_length=40)
    shop_domain = models.CharField(max_length=255)
    payload = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.TextField(blank=True, default="")

    def __str__(self):
        return f"{self.topic} request {self.pk} ({self.attempts} attempts)"
