"""django-q2 task entry points (dotted paths are what schedules and `async_task` store)."""

import logging
import os
import re
import socket
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django_q.models import Task
from django_q.tasks import async_task

from . import cin7_webhooks, scheduling
from .models import (
    CustomerLink,
    OAuthState,
    OpenProblem,
    RunKind,
    RunTrigger,
    Shop,
    SyncIssue,
)
from .notifications import send_customer_data_report
from .runs.control import RunInProgress, claim_run, keep_alive, prune_runs, start_run
from .runs.execute import execute
from .runs.hooks import after_run
from .runs.invites import send_due_invites
from .shopify_api import admin_api

logger = logging.getLogger(__name__)


def _customer_gid(payload: dict) -> str:
    customer_id = (payload.get("customer") or {}).get("id")
    return f"gid://shopify/Customer/{customer_id}" if customer_id else ""


def _customer_links(shop: Shop, payload: dict):
    customer = payload.get("customer") or {}
    email = (customer.get("email") or "").strip().lower()
    match = Q(shopify_id=_customer_gid(payload)) if _customer_gid(payload) else Q(pk__in=[])
    if email:
        match |= Q(email=email)
    return CustomerLink.objects.filter(shop=shop).filter(match), email


def customer_data_request(domain: str, payload: dict) -> None:
    """customers/data_request: email the merchant what the app holds about the customer."""
    shop = Shop.objects.filter(domain=domain).first()
    if shop is None:
        return
    links, email = _customer_links(shop, payload)
    links = list(links)
    about = _about_customer([link.cin7_id for link in links], email)
    send_customer_data_report(
        shop,
        email or _customer_gid(payload),
        links,
        problems=list(OpenProblem.objects.filter(shop=shop).filter(about)),
        issue_count=SyncIssue.objects.filter(run__shop=shop).filter(about).count(),
    )


def _about_customer(cin7_ids: list[str], email: str) -> Q:
    """Rows about the customer: by the linked Cin7 IDs, or by the email (issues of unlinked records)."""
    return Q(cin7_id__in=[i for i in cin7_ids if i]) | (Q(email=email) if email else Q(pk__in=[]))


def redact_customer(domain: str, payload: dict) -> None:
    """customers/redact: delete the app's records of one customer (link, open problems, issue rows)."""
    shop = Shop.objects.filter(domain=domain).first()
    if shop is None:
        return
    links, email = _customer_links(shop, payload)
    cin7_ids = list(links.values_list("cin7_id", flat=True))
    deleted = links.delete()[0]
    about_customer = _about_customer(cin7_ids, email)
    OpenProblem.objects.filter(shop=shop).filter(about_customer).delete()
    SyncIssue.objects.filter(run__shop=shop).filter(about_customer).delete()
    logger.info("Redacted customer data on %s (%s links)", domain, deleted)


def redact_shop(domain: str) -> None:
    """shop/redact: delete everything the app holds about the shop, its install records too (its Cin7
    webhook registrations first, while the credentials to delete them are still there). Webhook delivery
    ids stay: they name no shop, and keep a replay of this delivery from being applied again."""
    shop = Shop.objects.filter(domain=domain).first()
    if shop is not None:
        cin7_webhooks.unregister(shop)
    deleted, _ = Shop.objects.filter(domain=domain).delete()
    deleted += OAuthState.objects.filter(shop_domain=domain).delete()[0]
    # The task history: the app's task names and schedule names (a task's group) carry the domain as a word.
    named = rf"(^| ){re.escape(domain)}( |$)"
    deleted += Task.objects.filter(Q(name__regex=named) | Q(group__regex=named)).delete()[0]
    logger.info("Redacted shop %s (%s rows)", domain, deleted)


def execute_run(run_id: int) -> dict | None:
    """Run a queued `SyncRun` (queued by the API or a schedule), then prune the shop's old runs.

    Returns a small summary (stored as the django-q task result): which run, how it ended, which worker.
    """
    run = claim_run(run_id)
    if run is None:
        logger.info("Run %s is no longer queued; skipped", run_id)
        return None
    with keep_alive(run.pk):
        execute(run)
    after_run(run)
    try:
        prune_runs(run.shop)
    except Exception:  # history clean-up never fails a finished run
        logger.exception("Pruning the runs of %s failed", run.shop.domain)
    return {"run_id": run.pk, "status": run.status, "worker": f"{socket.gethostname()}:{os.getpid()}"}


def scheduled_sync(domain: str, full: bool) -> dict | None:
    """A schedule tick: an incremental run becomes full when the shop's full sync is due; a tick that
    meets an active run (a manual run, the other schedule, another cluster's tick) is skipped."""
    shop = Shop.objects.filter(domain=domain).select_related("sync_settings", "sync_state").first()
    if shop is None:
        return None
    if not scheduling.should_schedule(shop):  # a schedule left behind (settings changed meanwhile)
        logger.info("Scheduled sync of %s skipped: sync is off or not set up; schedules removed", domain)
        scheduling.remove_schedules(shop)
        return None
    if not full and _full_sync_due(shop):
        full = True
    try:
        run = start_run(shop, kind=RunKind.ALL, full=full, dry_run=False, trigger=RunTrigger.SCHEDULE)
    except RunInProgress as exc:
        logger.info("Scheduled sync of %s skipped: run %s in progress", domain, exc.run_id)
        return None
    return execute_run(run.pk)


def sweep_overdue() -> int:
    """The sweep schedule: queue a tick for every overdue shop (`scheduling.overdue_shops`); a tick that
    meets a run still holding the shop's lease is skipped as usual, and the next sweep tries again."""
    domains = scheduling.overdue_shops()
    for domain in domains:
        async_task(scheduling.TASK, domain, False, task_name=f"sweep {domain}", group=scheduling.SWEEP)
    if domains:
        logger.warning("Sweep: %s shop(s) overdue, ticks queued: %s", len(domains), ", ".join(domains[:20]))
    return len(domains)


def _full_sync_due(shop: Shop) -> bool:
    state = getattr(shop, "sync_state", None)
    last = state.last_full_customers_at if state else None
    hours = shop.sync_settings.full_sync_interval_hours
    return last is None or last < timezone.now() - timedelta(hours=hours)


def send_invites(domain: str) -> None:
    """Send released invites now, outside a run (each send is claimed, so a run cannot double it)."""
    shop = Shop.objects.filter(domain=domain).first()
    if shop is not None and shop.is_installed:
        send_due_invites(shop, admin_api(shop))
