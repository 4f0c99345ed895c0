"""Open problems: the shop's current issues, kept across runs until a run re-checks and clears them
(the app stores them: `integration_app.runs.problems`).

A run replaces the open problems of every subject it evaluated (a Cin7 customer, a SKU, the run itself)
with what it found now; subjects it did not look at keep theirs. That is what lets emails say "new"
and "back to normal" truthfully when incremental runs only see changed records.
"""

from .issues import Issue

RUN_SUBJECT = "run"


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
