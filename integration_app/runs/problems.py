"""Open problems kept across runs: a run replaces those of every subject it evaluated (`syncs.problems`)."""

from django.utils import timezone

from syncs.issues import Issue
from syncs.problems import RUN_SUBJECT, problem_entries

from ..models import OpenProblem, Shop

CHUNK = 500


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
