"""Cin7 customers sharing one default email: skipped, never guessed between (contract §3)."""

from collections import defaultdict

from ..issues import Code, customer_issue


def drop_duplicate_emails(ctx, desired: dict, complete: bool, seen: set[str]) -> None:
    """Cin7 customers sharing one default email are skipped, never guessed between (contract §3).
    `seen`: every customer this run read; what they are now counts, not what their links remember."""
    by_email = defaultdict(list)
    for state in desired.values():
        by_email[state.email].append(state.cin7_id)
    if not complete:
        # An incremental read holds only changed customers: compare with the linked ones too.
        for email, cin7_id in ctx.store.in_scope_emails(list(by_email)):
            if cin7_id not in seen:  # a customer read now is in `desired` or out of scope
                by_email[email].append(cin7_id)
    for email, cin7_ids in by_email.items():
        if len(cin7_ids) < 2:
            continue
        for cin7_id in cin7_ids:
            if cin7_id not in desired:
                continue
            others = ", ".join(sorted(i for i in cin7_ids if i != cin7_id))
            ctx.report(
                customer_issue(
                    Code.DUPLICATE_EMAIL,
                    f"The email {email} belongs to the default contact of several Cin7 customers "
                    f"(also {others}); none of them is synced until it is unique.",
                    cin7_id,
                    email,
                )
            )
            ctx.count("skipped")
            del desired[cin7_id]
