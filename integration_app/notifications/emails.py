"""Emails: the error digest after runs, "back to normal", the buyer's welcome, the data-request report.

Digest rules (contract §4 "Emails"): a digest when a run fails or has new problems, listing them with
what to do; nothing while the same problems persist, except a reminder at most daily; a "back to normal"
email when they clear. Only fingerprints never emailed before count as new. No secret is ever rendered:
templates receive messages built from API responses that never contain credentials.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from syncs.issues import Code

from ..issue_texts import issue_fix, issue_title
from ..models import OpenProblem, RunStatus, Shop, ShopSyncState, SyncRun

logger = logging.getLogger(__name__)

REMINDER_AFTER = timedelta(hours=24)
LIST_LIMIT = 50
FAILURE_SUBJECTS = {
    Code.CIN7_CREDENTIALS: "Cin7 rejected the Account ID or API key",
    Code.CIN7_UNAVAILABLE: "Cin7 could not be reached",
    Code.SHOPIFY_ACCESS_REVOKED: "Shopify access needs to be renewed",
    Code.SHOPIFY_UNAVAILABLE: "Shopify was unavailable",
    Code.NOT_CONFIGURED: "Finish setting up Cin7 Sync",
    Code.WORKER_LOST: "A sync stopped unexpectedly",
    Code.INTERNAL_ERROR: "A sync failed unexpectedly",
}


def _send(
    to: list[str], subject: str, template: str, context: dict, reply_to: list[str] | None = None
) -> None:
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to, reply_to=reply_to)
    message.attach_alternative(html, "text/html")
    message.send()


def app_url_for(shop: Shop) -> str:
    return (
        f"{settings.SHOPIFY_ADMIN_URL.format(shop=shop.domain).rstrip('/')}/apps/{settings.SHOPIFY_API_KEY}"
    )


def _groups(problems: list[OpenProblem]) -> list[dict]:
    """Problems grouped by code, each group with its fix and at most LIST_LIMIT entries."""
    groups: dict[str, dict] = {}
    for problem in problems:
        group = groups.setdefault(
            problem.code,
            {
                "code": problem.code,
                "title": issue_title(problem.code),
                "fix": issue_fix(problem.code),
                "count": 0,
                "items": [],
            },
        )
        group["count"] += 1
        if len(group["items"]) < LIST_LIMIT:
            group["items"].append(problem)
    return sorted(groups.values(), key=lambda g: (g["code"] not in FAILURE_SUBJECTS, g["code"]))


def _digest_subject(shop: Shop, problems: list[OpenProblem], reminder: bool) -> str:
    failure = next((p.code for p in problems if p.code in FAILURE_SUBJECTS), None)
    if failure:
        text = FAILURE_SUBJECTS[Code(failure)]
    else:
        count = len(problems)
        text = f"{count} record{'s' if count != 1 else ''} need{'s' if count == 1 else ''} attention"
    prefix = "Reminder: " if reminder else ""
    return f"{prefix}Cin7 Sync for {shop.name or shop.domain}: {text}"


def notify_after_run(shop: Shop, run: SyncRun) -> None:
    """Send at most one email about the shop's open problems after `run` (see module docstring).

    Nothing is sent once the merchant has uninstalled the app (a run queued before the uninstall fails for
    want of a token; that is not news to them). Its problems stay unnotified until a reinstall.
    """
    if Shop.objects.filter(pk=shop.pk, uninstalled_at__isnull=False).exists():
        logger.info("No notification email for %s: the app is uninstalled", shop.domain)
        return
    recipients = shop.sync_settings.recipients if hasattr(shop, "sync_settings") else []
    state, _ = ShopSyncState.objects.get_or_create(shop=shop)
    now = timezone.now()
    open_problems = list(OpenProblem.objects.filter(shop=shop))
    new = [p for p in open_problems if p.notified_at is None]
    try:
        if new:
            _send_digest(shop, run, recipients, new, open_problems, reminder=False)
        elif open_problems and (state.last_alert_at is None or state.last_alert_at < now - REMINDER_AFTER):
            _send_digest(shop, run, recipients, open_problems, open_problems, reminder=True)
        elif not open_problems and state.alert_active:
            if recipients:
                _send(
                    recipients,
                    f"Cin7 Sync for {shop.name or shop.domain}: back to normal",
                    "back_to_normal",
                    {"shop": shop, "run": run, "app_url": app_url_for(shop)},
                )
            state.alert_active = False
            state.save(update_fields=["alert_active"])
            return
        else:
            return
    except OSError as exc:  # SMTP failures must not fail the run; the next run tries again
        logger.warning("Notification email for %s not sent: %s", shop.domain, exc)
        return
    OpenProblem.objects.filter(pk__in=[p.pk for p in new]).update(notified_at=now)
    state.alert_active, state.last_alert_at = True, now
    state.save(update_fields=["alert_active", "last_alert_at"])


def _send_digest(shop, run, recipients, listed, open_problems, *, reminder: bool) -> None:
    if not recipients:
        logger.warning("No notification email for %s: set notification emails in the app", shop.domain)
        return
    _send(
        recipients,
        _digest_subject(shop, listed, reminder),
        "digest",
        {
            "shop": shop,
            "run": run,
            "groups": _groups(listed),
            "listed_count": len(listed),
            "open_count": len(open_problems),
            "reminder": reminder,
            "failed": run.status == RunStatus.FAILED,
            "app_url": app_url_for(shop),
        },
    )


def send_welcome_email(shop: Shop, email: str) -> None:
    """The buyer's welcome on shops with new customer accounts (no Shopify invite exists there)."""
    context = {
        "shop": shop,
        "email": email,
        "sign_in_url": shop.customer_accounts_url or f"https://{shop.domain}/account",
    }
    _send(
        [email],
        f"Your trade account at {shop.name or shop.domain} is ready",
        "welcome",
        context,
        reply_to=[shop.email] if shop.email else None,
    )


def send_customer_data_report(
    shop: Shop, who: str, links: list, *, problems: list | None = None, issue_count: int = 0
) -> None:
    """customers/data_request: tell the merchant what the app stores about the customer."""
    recipients = shop.sync_settings.recipients if hasattr(shop, "sync_settings") else []
    if not recipients:
        logger.warning("Data request for a customer of %s: no recipient", shop.domain)
        return
    _send(
        recipients,
        f"Cin7 Sync: data held about {who}",
        "data_request",
        {
            "shop": shop,
            "who": who,
            "links": links,
            "problems": problems or [],
            "issue_count": issue_count,
            "held_anything": bool(links or problems or issue_count),
        },
    )
