"""Open problems: the shop's current issues, kept across runs until a run re-checks and clears them.

A run replaces the open problems of every subject it evaluated (a Cin7 customer, a SKU, the run itself)
with what it found now; subjects it did not look at keep theirs. That is what lets emails say "new"
and "back to normal" truthfully when incremental runs only see changed records.
"""

from django.utils import timezone

from integration_app.models import OpenProblem, Shop

from .issues import Issue

RUN_SUBJECT = "run"
CHUNK = 500


def problem_entries(issues: list[Issue]) -> dict[str, dict]:
    """fingerprint -> OpenProblem fields; an issue about many SKUs becomes one problem per SKU."""
    entries = {}
    for issue in issues:
        if issue.items:
            for item in issue.items:
                entries[f"{issue.code}:{item}"] = {
                    "subject": f"sku:{item}",
                    "code": issue.code,
                    "message": f"SKU {item}: {issue.fix}",
                    "cin7_id": "",
                    "email": "",
                    "sku": item,
                }
        else:
            entries[issue.fingerprint] = {
                "subject": issue.subject or RUN_SUBJECT,
                "code": issue.code,
                "message": issue.message,
                "cin7_id": issue.cin7_id,
                "email": issue.email,
                "sku": issue.sku,
            }
    return entries


def reconcile(shop: Shop, issues: list[Issue], evaluated: set[str]) -> None:
    """Make the open problems of every evaluated subject equal to `issues` (plus the run subject)."""
    now = timezone.now()
    entries = problem_entries(issues)
    subjects = set(evaluated) | {RUN_SUBJECT} | {e["subject"] for e in entries.values()}
    existing: dict[str, OpenProblem] = {}
    subject_list = sorted(subjects)
    for start in range(0, len(subject_list), CHUNK):
        for problem in OpenProblem.objects.filter(shop=shop, subject__in=subject_list[start : start + CHUNK]):
            existing[problem.fingerprint] = problem
    gone = [p.pk for fp, p in existing.items() if fp not in entries]
    for start in range(0, len(gone), CHUNK):
        OpenProblem.objects.filter(pk__in=gone[start : start + CHUNK]).delete()
    seen = [p.pk for fp, p in existing.items() if fp in entries]
    for start in range(0, len(seen), CHUNK):
        OpenProblem.objects.filter(pk__in=seen[start : start + CHUNK]).update(last_seen_at=now)
    OpenProblem.objects.bulk_create(
        [
            OpenProblem(shop=shop, fingerprint=fp, first_seen_at=now, last_seen_at=now, **fields)
            for fp, fields in entries.items()
            if fp not in existing
        ],
        ignore_conflicts=True,
    )
