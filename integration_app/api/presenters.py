"""JSON shapes of the API (contract §2). The Cin7 API key is never part of any of them."""

from django.db.models import Count

from syncs.b2b.volume_writer import price_break_count

from .. import scheduling
from ..cin7_registration import status_of
from ..issue_texts import issue_fix, issue_title
from ..models import Cin7Connection, InviteStatus, RunKind, RunStatus, Shop, SyncRun, SyncSettings


def _iso(value) -> str | None:
    return value.isoformat() if value else None


B2B_MODES = ("direct", "markets")


def b2b_plan_payload(shop: Shop, sync_settings: SyncSettings) -> dict:
    """The B2B mode and what reaches checkout, as the last B2B run (or plan check) recorded it."""
    facts = shop.b2b or {}
    return {
        "b2b_market_tiers": sync_settings.b2b_market_tiers,
        "b2b_mode": facts.get("mode") if facts.get("mode") in B2B_MODES else "",
        "b2b_served_tiers": list(facts.get("served_tiers") or []),
        "b2b_tiers_not_served": [
            {"tier": row.get("tier", ""), "customers": int(row.get("customers") or 0)}
            for row in facts.get("tiers_not_served") or []
        ],
        "b2b_customer_prices_need_plus": int(facts.get("customers_prices_need_plus") or 0),
    }


def settings_payload(shop: Shop) -> dict:
    sync_settings, _ = SyncSettings.objects.get_or_create(shop=shop)
    connection = Cin7Connection.objects.filter(shop=shop).first()
    return {
        "cin7_account_id": connection.account_id if connection else "",
        "cin7_api_key_set": bool(connection and connection.api_key),
        "cin7_company": connection.company if connection else "",
        "cin7_currency": connection.currency if connection else "",
        "cin7_verified": bool(connection and connection.verified_at),
        "customer_tags": sync_settings.customer_tags,
        "group_mappings": sync_settings.group_mappings,
        "tax_exempt_rules": sync_settings.tax_exempt_rules,
        "sync_enabled": sync_settings.sync_enabled,
        "sync_interval_minutes": sync_settings.sync_interval_minutes,
        "full_sync_interval_hours": sync_settings.full_sync_interval_hours,
        "send_invites": sync_settings.send_invites,
        "on_untag": sync_settings.on_untag,
        "test_emails": sync_settings.test_emails,
        "notification_emails": sync_settings.notification_emails,
        "shop_email": shop.email,
        **dict(zip(("cin7_webhooks", "cin7_webhooks_reason"), status_of(shop), strict=True)),
        "b2b_companies": sync_settings.b2b_companies,
        "b2b_pack_size": sync_settings.b2b_pack_size,
        "b2b_available": bool(shop.b2b.get("available")),
        "b2b_reason": shop.b2b.get("reason") or ("" if shop.b2b else "Not checked with Shopify yet."),
        "b2b_managed": b2b_managed(shop),
        **b2b_plan_payload(shop, sync_settings),
    }


def b2b_managed(shop: Shop) -> dict:
    """What the app manages in Shopify B2B: companies (a head office and its branches are one), locations,
    buyers (customers with a role at a location: main contacts and the other contacts), catalogs and the
    quantity price breaks written on them."""
    links = shop.company_links.exclude(location_id="")
    buyers = set()
    for main, others in links.values_list("written__customer", "written__buyers"):
        buyers.update(entry.get("customer") for entry in (others or {}).values())
        buyers.add(main)
    buyers.discard(None)
    return {
        "companies": shop.company_links.exclude(company_id="").values("company_id").distinct().count(),
        "locations": links.count(),
        "buyers": len(buyers),
        "catalogs": shop.managed_catalogs.exclude(catalog_id="").count(),
        "price_breaks": sum(
            price_break_count(volume)
            for volume in shop.managed_catalogs.exclude(catalog_id="").values_list("volume", flat=True)
        ),
    }


def issue_payload(issue) -> dict:
    return {
        "code": issue.code,
        "title": issue_title(issue.code),
        "message": issue.message,
        "cin7_id": issue.cin7_id,
        "email": issue.email,
        "sku": issue.sku,
        "fix": issue_fix(issue.code),
    }


LISTED_ISSUES = 100  # per run in GET /api/runs; a run's own page lists up to DETAILED_ISSUES
DETAILED_ISSUES = 1000


def run_payload(run: SyncRun, *, issues: bool = False, code: str | None = None) -> dict:
    """A run as the API shows it, with its first issues; `issues=True` for its own page (more issues,
    counts per code, the dry run's plan), `code` to list one code's issues only."""
    rows = run.issues.all()
    data = {
        "id": run.pk,
        "kind": run.kind,
        "trigger": run.trigger,
        "full": run.full,
        "dry_run": run.dry_run,
        "status": run.status,
        "created_at": _iso(run.created_at),
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "duration_seconds": run.duration_seconds,
        "counts": run.counts,
        "stats": run.stats,
        "progress": run.stats.get("progress") if run.is_active else None,
        "error": {"code": run.error_code, "message": run.error_message} if run.error_code else None,
        "issue_count": rows.count(),
    }
    if issues:
        data["issue_codes"] = dict(rows.values_list("code").annotate(n=Count("id")).order_by("code"))
        data["issue_titles"] = {code: issue_title(code) for code in data["issue_codes"]}
        data["plan"] = run.plan
    if code:
        rows = rows.filter(code=code)
    data["issues"] = [issue_payload(issue) for issue in rows[: DETAILED_ISSUES if issues else LISTED_ISSUES]]
    return data


def invite_payload(link) -> dict:
    return {
        "cin7_id": link.cin7_id,
        "email": link.email,
        "shopify_id": link.shopify_id,
        "status": link.invite_status,
        "attempts": link.invite_attempts,
        "error": link.invite_error,
        "invited_at": _iso(link.invited_at),
    }


def status_payload(shop: Shop) -> dict:
    """The page's summary: last good sync per kind, next runs, invite counts, the active run."""
    last = {}
    for kind in RunKind.values:
        run = (
            SyncRun.objects.filter(
                shop=shop,
                kind=kind,
                dry_run=False,
                status__in=[RunStatus.SUCCEEDED, RunStatus.COMPLETED_WITH_ISSUES],
            )
            .order_by("-finished_at")
            .first()
        )
        last[kind] = _iso(run.finished_at) if run else None
    invites = dict(
        shop.customer_links.exclude(invite_status=InviteStatus.NONE)
        .values_list("invite_status")
        .annotate(n=Count("id"))
        .order_by()
    )
    active = SyncRun.objects.filter(shop=shop, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).first()
    return {
        "shop": {"domain": shop.domain, "name": shop.name, "email": shop.email, "currency": shop.currency},
        "installed": shop.is_installed,
        "needs_reauthorization": shop.token_invalid_at is not None,
        "cin7_connected": hasattr(shop, "cin7"),
        "last_success": last,
        "next_runs": {k: _iso(v) for k, v in scheduling.next_runs(shop).items()},
        "invites": {status: invites.get(status, 0) for status in InviteStatus.values if status},
        "active_run": run_payload(active) if active else None,
        "open_problems": shop.open_problems.count(),
    }
