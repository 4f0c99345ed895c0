"""Runs one `SyncRun` end to end: clients, jobs by kind, watermarks, history, open problems, emails."""

import logging

from django.db import transaction
from django.utils import timezone

from connectors.cin7.errors import Cin7CredentialsError, Cin7Error, Cin7RecordError
from connectors.clock import SYSTEM_CLOCK
from connectors.shopify.errors import ShopifyAuthError, ShopifyError
from integration_app.cin7_api import cin7_client
from integration_app.install.setup import refresh_shop_facts
from integration_app.models import (
    CustomerLink,
    OpenProblem,
    RunKind,
    RunStatus,
    ShopSyncState,
    SyncIssue,
    SyncRun,
    SyncSettings,
)
from integration_app.notifications.emails import notify_after_run
from integration_app.shopify_api import admin_api

from . import invites
from .b2b.job import B2BJob
from .context import Progress, RunContext
from .customer_mapping import normalized_email
from .customers import CHUNK, CustomerJob
from .definitions import ensure_definitions
from .issues import Code, Issue
from .price_mapping import tier_display_names, tier_names_value
from .pricing import OVERLAP, PricingJob, value_hash
from .problems import RUN_SUBJECT, reconcile

logger = logging.getLogger(__name__)


class NotConfigured(Exception):
    pass


def execute(
    run: SyncRun, *, clock=SYSTEM_CLOCK, progress: Progress | None = None, write_limit=None
) -> SyncRun:
    """Run `run` (already claimed: status running) to its end; never raises for sync failures."""
    shop = run.shop
    started = timezone.now()
    ctx = None
    try:
        ctx = _context(run, clock, progress or Progress(), write_limit)
        _run_jobs(ctx, started)
        status = RunStatus.COMPLETED_WITH_ISSUES if ctx.issues else RunStatus.SUCCEEDED
        _finish(run, ctx, status)
    except Exception as exc:  # every failure ends the run with a reason; nothing escapes a worker
        code, message = _failure(exc)
        if code == Code.INTERNAL_ERROR:
            logger.exception("Sync run %s of %s failed", run.pk, shop.domain)
        else:
            logger.warning("Sync run %s of %s failed: %s", run.pk, shop.domain, message)
        _finish(run, ctx, RunStatus.FAILED, Issue(code, message, subject=RUN_SUBJECT))
    if not run.dry_run:
        notify_after_run(shop, run)
    return run


def _context(run: SyncRun, clock, progress, write_limit) -> RunContext:
    shop = run.shop
    settings = SyncSettings.objects.filter(shop=shop).first()
    connection = getattr(shop, "cin7", None)
    if settings is None or connection is None or not settings.customer_tags:
        raise NotConfigured("The app is not set up yet: save the Cin7 credentials and at least one B2B tag.")
    if not shop.is_installed:
        raise ShopifyAuthError("The app is not installed on this shop (no access token).")
    state, _ = ShopSyncState.objects.get_or_create(shop=shop)
    if not shop.shop_gid:
        refresh_shop_facts(shop)
    return RunContext(
        run=run,
        shop=shop,
        settings=settings,
        state=state,
        cin7=cin7_client(connection.account_id, connection.api_key, clock=clock),
        shopify=admin_api(shop, clock=clock),
        clock=clock,
        progress=progress,
        write_limit=write_limit,
        shop_country=shop.country_code or None,
    )


def _run_jobs(ctx: RunContext, started) -> None:
    run, state = ctx.run, ctx.state
    kind = run.kind
    ctx.tiers = ctx.cin7.price_tiers()
    names_changed = value_hash(tier_names_value(tier_display_names(ctx.tiers))) != state.price_tier_names_hash
    if not ctx.dry_run:
        ensure_definitions(ctx)
    # Tier renames change customers' price_tier and every variant's keys, though no record was modified;
    # new settings (tags, groups, tax rules, test emails) change what every customer should look like.
    full_customers = (
        run.full
        or state.customers_watermark is None
        or (names_changed and bool(state.price_tier_names_hash))
        or _settings_changed_since_full_read(ctx)
    )
    since = None if full_customers else state.customers_watermark - OVERLAP
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
    # A customer missing from a full read is taken as gone (and stripped): only when nothing went unread.
    read_whole = len(ctx.cin7.bad_records) == unread_before
    ctx.report_bad_records()
    if kind in (RunKind.ALL, RunKind.CUSTOMERS):
        CustomerJob(ctx).run(customers, complete=full_customers and read_whole)
    else:
        CustomerJob(ctx, prices_only=True).run(customers, complete=full_customers and read_whole)
    b2b = kind == RunKind.ALL and ctx.settings.b2b_companies
    ctx.b2b_customers = customers if b2b else None  # the B2B phase takes them (and frees them)
    del customers
    if kind in (RunKind.ALL, RunKind.PRICING):
        PricingJob(ctx).run(full=run.full)
    if b2b:  # after customers (contacts) and pricing (matched variants)
        B2BJob(ctx).run()
    if kind in (RunKind.ALL, RunKind.CUSTOMERS) and not ctx.dry_run:
        ctx.progress.phase("Sending invites")
        if ctx.settings.send_invites:  # turned off: invites already due wait (a release still sends them)
            sent = invites.send_due_invites(ctx.shop, ctx.shopify, ctx.report, ctx.before_write)
            ctx.count("invited", sent)
        if run.full:
            invites.record_acceptances(ctx.shop, ctx.shopify)
    if ctx.dry_run:
        return
    with transaction.atomic():
        # A pricing run writes only linked customers' prices: the customers it read are not synced yet,
        # so the customers' watermark stays for the next run that syncs them (or they would be skipped).
        # A paged read that stayed short of Cin7's Total missed records nobody modified: the watermark stays,
        # so the next run reads them (contract §4: the next run retries).
        if kind in (RunKind.ALL, RunKind.CUSTOMERS) and "customer" not in ctx.cin7.incomplete_reads:
            state.customers_watermark = started
            if full_customers:
                state.last_full_customers_at = started
            # The first import is the first complete read of every customer; a run limited to test emails
            # is a trial, so the real import after it still holds its invites.
            if full_customers and not ctx.settings.test_emails:
                state.first_full_customer_sync_done = True
        if kind in (RunKind.ALL, RunKind.PRICING) and "product" not in ctx.cin7.incomplete_reads:
            state.products_watermark = started
            if run.full:
                state.last_full_pricing_at = started
        state.save()


def _settings_changed_since_full_read(ctx: RunContext) -> bool:
    last_full = ctx.state.last_full_customers_at
    return last_full is not None and ctx.settings.updated_at > last_full


def _customers_to_retry(ctx: RunContext, customers: list) -> list:
    """Customers skipped as `duplicate_email` whose email a customer read now has or had: they wait on
    another Cin7 customer, so that one's change (new email, deprecated, untagged) is their retry, though
    Cin7 did not date them. Read again by ID, one call each, only when their email comes up."""
    read = {customer.id for customer in customers}
    emails = {normalized_email(customer) for customer in customers}
    problems = OpenProblem.objects.filter(shop=ctx.shop, code=Code.DUPLICATE_EMAIL)
    ids = sorted(read)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        links = CustomerLink.objects.filter(shop=ctx.shop, cin7_id__in=chunk)
        emails.update(links.values_list("email", flat=True))
        emails.update(problems.filter(cin7_id__in=chunk).values_list("email", flat=True))
    emails.discard("")
    retry: set[str] = set()
    wanted = sorted(emails)
    for start in range(0, len(wanted), CHUNK):
        same_email = problems.filter(email__in=wanted[start : start + CHUNK])
        retry.update(same_email.values_list("cin7_id", flat=True))
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


def _failure(exc: Exception) -> tuple[Code, str]:
    if isinstance(exc, NotConfigured):
        return Code.NOT_CONFIGURED, str(exc)
    if isinstance(exc, Cin7CredentialsError):
        return Code.CIN7_CREDENTIALS, str(exc)
    if isinstance(exc, Cin7Error):
        return Code.CIN7_UNAVAILABLE, str(exc)
    if isinstance(exc, ShopifyAuthError):
        return Code.SHOPIFY_ACCESS_REVOKED, str(exc)
    if isinstance(exc, ShopifyError):
        return Code.SHOPIFY_UNAVAILABLE, str(exc)
    return (
        Code.INTERNAL_ERROR,
        f"Unexpected error ({type(exc).__name__}); the team has the details in the logs.",
    )


def _finish(run: SyncRun, ctx: RunContext | None, status: str, failure: Issue | None = None) -> None:
    issues = list(ctx.issues) if ctx else []
    if failure is not None:
        issues.append(failure)
    run.status = status
    run.finished_at = timezone.now()
    if ctx is not None:
        run.counts = {**run.counts, **dict(ctx.counts)}
        run.stats = {**ctx.cin7.stats.as_dict(), **ctx.shopify.client.stats.as_dict(), "writes": ctx.writes}
        run.plan = ctx.plan
    if failure is not None:
        run.error_code, run.error_message = failure.code, failure.message
    with transaction.atomic():
        run.save()
        SyncIssue.objects.bulk_create(
            [
                SyncIssue(
                    run=run, code=i.code, message=i.message, cin7_id=i.cin7_id, email=i.email, sku=i.sku
                )
                for i in issues
            ]
        )
    if not run.dry_run:
        evaluated = ctx.evaluated_subjects if ctx and failure is None else set()
        reconcile(run.shop, issues, evaluated)
