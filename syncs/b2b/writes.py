"""What the B2B writers share: one counted write that raises when refused, and the preview sample."""

PLAN_SAMPLE = 100


class Refused(Exception):
    """Shopify refused a B2B write; the message is its first user error."""


def write_one(ctx, call, *args) -> None:
    """One write: counted (and stopped by the test hook) before it is sent; a refusal raises."""
    ctx.before_write()
    errors = call(*args)
    if errors:
        raise Refused(errors[0])


def planned(ctx, entry: dict) -> None:
    """A preview entry; B2B keeps its own sample, so many planned customers cannot crowd it out."""
    if sum(1 for e in ctx.plan if "company" in e or "catalog" in e) < PLAN_SAMPLE:
        ctx.plan.append(entry)
