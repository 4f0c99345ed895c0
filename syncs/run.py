"""One run's jobs, in order: tier names, metafield definitions, customers, pricing, native B2B.

The app claims the run, builds its context (clients, settings, store) and afterwards sends invites,
saves watermarks and records the outcome (`integration_app.runs`).
"""

from datetime import datetime

from .b2b.job import B2BJob
from .context import OVERLAP, RunContext, RunKind
from .customers.job import CustomerJob
from .definitions import ensure_definitions
from .pricing.job import PricingJob
from .pricing.mapping import tier_display_names, tier_names_value, value_hash


def run_jobs(ctx: RunContext) -> bool:
    """Run the jobs of `ctx.run.kind`; returns whether the customers were read in full (not since the
    watermark)."""
    kind, state = ctx.run.kind, ctx.state
    ctx.tiers = ctx.cin7.price_tiers()
    names_changed = value_hash(tier_names_value(tier_display_names(ctx.tiers))) != state.price_tier_names_hash
    if not ctx.dry_run:
        ensure_definitions(ctx)
    # Tier renames change customers' price_tier and every variant's keys, though no record was modified;
    # new settings (tags, groups, tax rules, test emails) change what every customer should look like.
    full_customers = (
        ctx.full
        or state.customers_watermark is None
        or (names_changed and bool(state.price_tier_names_hash))
        or _settings_changed_since(state.last_full_customers_at, ctx.settings.updated_at)
    )
    since = None if full_customers else state.customers_watermark - OVERLAP
    b2b = kind == RunKind.ALL and ctx.settings.b2b_companies
    # A pricing run writes only the customer-specific prices of linked customers.
    job = CustomerJob(ctx, prices_only=kind == RunKind.PRICING, keep_records=b2b)
    read = job.run(since=since)
    customers = read if b2b else None  # the B2B phase takes them (and empties the list)
    read_ids = job.read_ids
    del read, job  # the job's customer links and writer are not kept through the phases after it
    priced = PricingJob(ctx).run(full=ctx.full) if kind in (RunKind.ALL, RunKind.PRICING) else None
    if b2b:  # after customers (contacts) and pricing (matched variants)
        B2BJob(ctx).run(customers, priced, read_ids=read_ids, complete=full_customers)
    return full_customers


def _settings_changed_since(last_full: datetime | None, updated_at: datetime | None) -> bool:
    return last_full is not None and updated_at is not None and updated_at > last_full
