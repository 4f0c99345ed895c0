"""Reading the Cin7 customers of a run: all of them, or those modified since, plus the ones to retry."""

from collections.abc import Iterator

from connectors.cin7.errors import Cin7RecordError
from connectors.cin7.records import Customer

from .mapping import normalized_email


def read_customers(ctx, since) -> tuple[list[Customer], bool]:
    """The customers modified since `since` (all when None), and whether every record could be read (a
    customer missing from a full read is taken as gone only then). Unreadable records are reported."""
    ctx.progress.phase("Reading Cin7 customers")
    unread_before = len(ctx.cin7.bad_records)
    customers = []
    for customer in ctx.cin7.iter_customers(
        modified_since=since, include_prices=True, include_deprecated=True
    ):
        customers.append(customer)
        ctx.progress.advance()
    if since is not None:
        customers += _customers_to_retry(ctx, customers)
    read_whole = len(ctx.cin7.bad_records) == unread_before
    ctx.report_bad_records()
    return customers, read_whole


class FullRead:
    """Every Cin7 customer, yielded as read and kept by no one; once read, `whole`: whether every record
    could be read (as `read_customers` returns it), the unreadable ones reported."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.whole = False

    def __iter__(self) -> Iterator[Customer]:
        cin7 = self.ctx.cin7
        unread_before = len(cin7.bad_records)
        yield from cin7.iter_customers(include_prices=True, include_deprecated=True)
        self.whole = len(cin7.bad_records) == unread_before
        self.ctx.report_bad_records()


def _customers_to_retry(ctx, customers: list[Customer]) -> list[Customer]:
    """Customers skipped as `duplicate_email` whose email a customer read now has or had: they wait on
    another Cin7 customer, so that one's change (new email, deprecated, untagged) is their retry, though
    Cin7 did not date them. Read again by ID, one call each, only when their email comes up."""
    read = {customer.id for customer in customers}
    emails = {normalized_email(customer) for customer in customers}
    retry = ctx.store.duplicate_email_retries(sorted(read), emails)
    found = []
    for cin7_id in sorted(retry - read - {""}):
        try:
            customer = ctx.cin7.customer(cin7_id, include_prices=True)
        except Cin7RecordError as error:
            ctx.cin7.bad_records.append((cin7_id, str(error)))
            continue
        if customer is not None:
            found.append(customer)
    return found
