"""Sync runs, the issues they found, and the shop's open problems (what error emails are about)."""

from django.db import models
from django.db.models import Q


class RunKind(models.TextChoices):
    ALL = "all", "Customers and pricing"
    CUSTOMERS = "customers", "Customers"
    PRICING = "pricing", "Pricing"


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Schedule"
    MANUAL = "manual", "Sync now"
    PREVIEW = "preview", "Preview"
    COMMAND = "command", "Command line"
    INSTALL = "install", "Install"
    WEBHOOK = "webhook", "Cin7 webhook"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    COMPLETED_WITH_ISSUES = "completed_with_issues", "Completed with issues"
    FAILED = "failed", "Failed"


ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)
COUNT_KEYS = (
    "read", "created", "updated", "repaired", "unchanged", "skipped", "failed", "invited", "variants_updated"
)  # fmt: skip


def empty_counts() -> dict:
    return dict.fromkeys(COUNT_KEYS, 0)


class SyncRun(models.Model):
    """One sync of one shop. At most one queued or running run per shop (a partial unique constraint)."""

    shop = models.ForeignKey("Shop", on_delete=models.CASCADE, related_name="runs")
    kind = models.CharField(max_length=10, choices=RunKind.choices)
    trigger = models.CharField(max_length=10, choices=RunTrigger.choices)
    full = models.BooleanField(default=False)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=24, choices=RunStatus.choices, default=RunStatus.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The process running it (set when claimed), so a start on the same host can tell it is gone. Database
    # defaults too: a worker of the previous release, still running during a deploy, inserts without them.
    worker_host = models.CharField(max_length=255, blank=True, default="", db_default="")
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    worker_start = models.CharField(max_length=100, blank=True, default="", db_default="")
    counts = models.JSONField(default=empty_counts)
    stats = models.JSONField(default=dict, blank=True, help_text="API figures: Cin7 calls, Shopify cost.")
    error_code = models.CharField(max_length=64, blank=True, default="")
    error_message = models.TextField(blank=True, default="")
    plan = models.JSONField(default=list, blank=True, help_text="Dry runs: the planned changes (a sample).")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["shop", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["shop"], condition=Q(status__in=ACTIVE_STATUSES), name="one_active_run_per_shop"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} run {self.pk} of {self.shop.domain} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class SyncIssue(models.Model):
    """A problem one run met with one record (or the run itself), with a stable `code`."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="issues")
    code = models.CharField(max_length=64)
    message = models.TextField()
    cin7_id = models.CharField(max_length=64, blank=True, default="")
    email = models.CharField(max_length=320, blank=True, default="")
    sku = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["run", "code"])]

    def __str__(self):
        return f"{self.code}: {self.message}"


class OpenProblem(models.Model):
    """A problem that still stands for a shop, kept until the run that re-checks its subject clears it.

    `subject` names what a run re-evaluates (a Cin7 customer, a SKU, a run kind), so an incremental run
    that did not look at a record leaves that record's problems open. `fingerprint` identifies the
    problem; emails mention each fingerprint once (plus a daily reminder while any stays open).
    """

    shop = models.ForeignKey("Shop", on_delete=models.CASCADE, related_name="open_problems")
    subject = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=300)
    code = models.CharField(max_length=64)
    message = models.TextField()
    cin7_id = models.CharField(max_length=64, blank=True, default="")
    email = models.CharField(max_length=320, blank=True, default="")
    sku = models.TextField(blank=True, default="")
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["first_seen_at", "id"]
        constraints = [models.UniqueConstraint(fields=["shop", "fingerprint"], name="unique_open_problem")]
        indexes = [models.Index(fields=["shop", "subject"])]

    def __str__(self):
        return self.fingerprint
