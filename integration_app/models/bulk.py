"""Bulk mutations a run started and has not read the results of yet (issue 26)."""

from django.db import models

from ..fields import PackedJSONField


class PendingBulkOperation(models.Model):
    """A bulk operation kept from its start until its results are read: a killed run's successor resumes
    it (waits for it, reads its results) instead of starting another, so nothing is created twice.
    `lines` says what each input line was for (e.g. `[cin7 id, state hash]`)."""

    shop = models.ForeignKey("Shop", on_delete=models.CASCADE, related_name="bulk_operations")
    kind = models.CharField(max_length=40)
    client_identifier = models.CharField(max_length=200)
    operation_id = models.CharField(max_length=100, blank=True, default="")
    lines = PackedJSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.kind} {self.operation_id or self.client_identifier}"
