"""Runs one `SyncRun` end to end: context, the jobs (`syncs.run`), invites, watermarks, history, open
problems, emails."""

import logging

from django.db import transaction
from django.utils import timezone

from connectors.cin7.errors import Cin7CredentialsError, Cin7Error
from connectors.clock import SYSTEM_CLOCK
from connectors.shopify.errors import ShopifyAuthError, ShopifyError
from syncs.context import LeaseLost, Progress, RunContext, RunOptions, ShopFacts, SyncOptions
from syncs.issues import Code, Issue
from syncs.problems import RUN_SUBJECT
from syncs.run import run_jobs

from ..cin7_api import cin7_client
from ..install.setup import refresh_shop_facts
from ..models import COUNT_KEYS, RunKind, RunStatus, RunTrigger, Shop, SyncIssue, SyncRun, SyncSettings
from ..notifications.emails import notify_after_run
from ..shopify_api import admin_api
from .control import renew_lease
from .invites import record_acceptances, send_due_invites
from .problems import reconcile
from .stores import OrmStore, sync_state

logger = logging.getLogger(__name__)

FINISH_FIELDS = ("status", "finished_at", "counts", "stats", "plan", "error_code", "error_message")


class NotConfigured(Exception):
    pass


def execute(
    run: SyncRun, *, clock=SYSTEM_CLOCK, progress: Progress | None = None, write_limit=None
) -> SyncRun:
    """Run `run` (already claimed: status running) to its end; never raises for sync failures. A run that
    lost its lease stops before its next write and saves nothing: the run that took over stands."""
    shop = run.shop
    started = timezone.now()
    ctx = None
    try:
        try:
            ctx = _context(run, clock, progress or Progress(), write_limit)
            full_customers = run_jobs(ctx)
            _invites(ctx, run)
            if not run.dry_run:
                _save_watermarks(ctx, started, full_customers=full_customers)
            status = RunStatus.COMPLETED_WITH_ISSUES if ctx.issues else RunStatus.SUCCEEDED
            _finish(run, ctx, status)
        except Exception as exc:  # every failure ends the run with a reason; nothing escapes a worker
            code, message = _failure(exc)
            if code == Code.INTERNAL_ERROR:
                logger.exception("Sync run %s of %s failed", run.pk, shop.domain)
            else:
                logger.warning("Sync run %s of %s failed: %s", run.pk, shop.domain, message)
            _finish(run, ctx, RunStatus.FAILED, Issue(code, message, subject=RUN_SUBJECT))
    except LeaseLost:
        logger.warning("Sync run %s of %s stopped: its lease is gone, nothing saved", run.pk, shop.domain)
        run.refresh_from_db()
        return run
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
    state = sync_state(shop)
    if not shop.shop_gid:
        refresh_shop_facts(shop)
    return RunContext(
        run=RunOptions(
            kind=run.kind,
            full=run.full,
            dry_run=run.dry_run,
            retry_refused=run.full and run.trigger in (RunTrigger.MANUAL, RunTrigger.COMMAND),
        ),
        shop=_facts(shop),
        settings=_options(settings),
        state=state,
        store=OrmStore(shop),
        cin7=cin7_client(connection.account_id, connection.api_key, clock=clock),
        shopify=admin_api(shop, clock=clock),
        beat=_beat(run.pk),
        clock=clock,
        progress=progress,
        write_limit=write_limit,
    )


def _facts(shop: Shop) -> ShopFacts:
    return ShopFacts(
        domain=shop.domain,
        shop_gid=shop.shop_gid,
        currency=shop.currency,
        country_code=shop.country_code or None,
        scopes=shop.scopes,
    )


def _options(settings: SyncSettings) -> SyncOptions:
    return SyncOptions(
        customer_tags=tuple(settings.customer_tags),
        group_mappings=tuple(settings.group_mappings),
        tax_exempt_rules=tuple(settings.tax_exempt_rules),
        test_emails=tuple(settings.test_emails),
        send_invites=settings.send_invites,
        on_untag=settings.on_untag,
        b2b_companies=settings.b2b_companies,
        b2b_market_tiers=tuple(settings.b2b_market_tiers),
        b2b_pack_size=settings.b2b_pack_size,
        updated_at=settings.updated_at,
    )


def _beat(run_id: int):
    """Records that the run is alive, and where it is (the settings page shows it)."""

    def beat(progress: dict) -> None:
        if not renew_lease(run_id, stats={"progress": progress}):
            raise LeaseLost(f"Run {run_id} lost its lease")

    return beat


def _invites(ctx: RunContext, run: SyncRun) -> None:
    """Invite the customers the run created (unless invites are turned off: those due wait, a release
    still sends them); full runs also note who accepted."""
    if run.kind not in (RunKind.ALL, RunKind.CUSTOMERS) or run.dry_run:
        return
    ctx.progress.phase("Sending invites")
    if ctx.settings.send_invites:
        ctx.count("invited", send_due_invites(run.shop, ctx.shopify, ctx.report, ctx.before_write))
    if run.full:
        record_acceptances(run.shop, ctx.shopify)


def _save_watermarks(ctx: RunContext, started, *, full_customers: bool) -> None:
    """Where the next incremental run starts reading, per kind of record.

    A pricing run writes only linked customers' prices: the customers it read are not synced yet, so the
    customers' watermark stays for the next run that syncs them (or they would be skipped). A paged read
    that stayed short of Cin7's Total missed records nobody modified: the watermark stays, so the next
    run reads them (contract §4: the next run retries)."""
    kind, state, fields = ctx.run.kind, ctx.state, []
    if kind in (RunKind.ALL, RunKind.CUSTOMERS) and "customer" not in ctx.cin7.incomplete_reads:
        state.customers_watermark = started
        fields.append("customers_watermark")
        if full_customers:
            state.last_full_customers_at = started
            fields.append("last_full_customers_at")
        # The first import is the first complete read of every customer; a run limited to test emails
        # is a trial, so the real import after it still holds its invites.
        if full_customers and not ctx.settings.test_emails:
            state.first_full_customer_sync_done = True
            fields.append("first_full_customer_sync_done")
    if kind in (RunKind.ALL, RunKind.PRICING) and "product" not in ctx.cin7.incomplete_reads:
        state.products_watermark = started
        fields.append("products_watermark")
        if ctx.full:
            state.last_full_pricing_at = started
            fields.append("last_full_pricing_at")
    if fields:
        with transaction.atomic():  # the lease renewed and held (row locked) until the state is saved
            ctx.heartbeat(force=True)
            ctx.store.save_state(state, fields)


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
        run.counts = {**run.counts, **{key: n for key, n in ctx.counts.items() if key in COUNT_KEYS}}
        run.stats = {**ctx.cin7.stats.as_dict(), **ctx.shopify.client.stats.as_dict(), "writes": ctx.writes}
        run.plan = ctx.plan
    if failure is not None:
        run.error_code, run.error_message = failure.code, failure.message
    with transaction.atomic():  # only while the run holds its lease: a takeover's record stands
        if not SyncRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            **{name: getattr(run, name) for name in FINISH_FIELDS}
        ):
            raise LeaseLost(f"Run {run.pk} lost its lease")
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
