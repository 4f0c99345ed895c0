"""Shopify's mandatory compliance webhooks (customers/data_request, customers/redact, shop/redact): each
delivery stores its request and queues its work; the work itself (report or erase what the app holds).

A request is a `ComplianceRequest` row until its work is done, and the queued task carries only the row's
id: no customer's email ends up in django-q's task table, even in a failed task's arguments (nor does a
redacted shop's domain). The work is idempotent and retried until done: a failed attempt is queued again
by the minute sweep (`queue_due_requests`) after `RETRY_DELAYS`, and logs at ERROR from `ALERT_AFTER`
failed attempts on.
"""

import logging
import re
from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone
from django_q.models import Task
from django_q.tasks import async_task

from .. import cin7_registration, scheduling
from ..models import ComplianceRequest, CustomerLink, OAuthState, OpenProblem, Shop, SyncIssue
from ..notifications.emails import send_customer_data_report

logger = logging.getLogger(__name__)

TASK = "integration_app.tasks.handle_compliance_request"
# A request queued (or being worked on) is not queued again by the sweep before this has passed.
QUEUED_LEASE = timedelta(minutes=10)
RETRY_DELAYS = [timedelta(minutes=m) for m in (1, 5, 15, 60)]  # then hourly, until done
ALERT_AFTER = 3  # failed attempts after which each further failure logs at ERROR (operators alert on it)


# --- intake (inside the webhook view's transaction) ------------------------------------------------------


def customers_data_request(domain: str, payload: dict) -> None:
    queue(record("customers/data_request", domain, payload).pk)


def customers_redact(domain: str, payload: dict) -> None:
    queue(record("customers/redact", domain, payload).pk)


def shop_redact(domain: str, payload: dict) -> None:
    shop = Shop.objects.filter(domain=domain).first()
    if shop is not None:
        scheduling.remove_schedules(shop)
    queue(record("shop/redact", domain, payload).pk)


def record(topic: str, domain: str, payload: dict) -> ComplianceRequest:
    """Store the request: only what its work reads (the customer's id and email; nothing for a shop)."""
    needed = {} if topic == "shop/redact" else {"customer": _customer_fields(payload)}
    return ComplianceRequest.objects.create(
        topic=topic, shop_domain=domain, payload=needed, next_attempt_at=timezone.now() + QUEUED_LEASE
    )


def _customer_fields(payload: dict) -> dict:
    customer = payload.get("customer") if isinstance(payload, dict) else None
    customer = customer if isinstance(customer, dict) else {}
    customer_id, email = customer.get("id"), customer.get("email")
    valid_id = isinstance(customer_id, int | str) and not isinstance(customer_id, bool)
    return {"id": customer_id if valid_id else None, "email": email if isinstance(email, str) else ""}


def queue(request_id: int) -> None:
    async_task(TASK, request_id, task_name=f"privacy request {request_id}")


def queue_due_requests() -> int:
    """The sweep's part: queue every request whose retry is due (or whose worker died); how many."""
    now = timezone.now()
    queued = 0
    for request_id in ComplianceRequest.objects.filter(next_attempt_at__lte=now).values_list("pk", flat=True):
        # Claimed first, so two sweeps (two clusters) never queue one request twice.
        claim = ComplianceRequest.objects.filter(pk=request_id, next_attempt_at__lte=now)
        if claim.update(next_attempt_at=now + QUEUED_LEASE):
            queue(request_id)
            queued += 1
    return queued


# --- the work -------------------------------------------------------------------------------------------


def handle(request_id: int) -> bool:
    """One attempt at a request: True when it is done (the row deleted, or gone already)."""
    request = ComplianceRequest.objects.filter(pk=request_id).first()
    if request is None:
        logger.info("Privacy request %s: nothing to do (done already)", request_id)
        return True
    ComplianceRequest.objects.filter(pk=request.pk).update(
        attempts=F("attempts") + 1, next_attempt_at=timezone.now() + QUEUED_LEASE
    )
    request.attempts += 1
    try:
        WORK[request.topic](request.shop_domain, request.payload)
    except Exception as exc:  # recorded and retried; never lost
        _attempt_failed(request, exc)
        return False
    ComplianceRequest.objects.filter(pk=request.pk).delete()
    logger.info(
        "Privacy request %s (%s) done after %s attempt(s)", request.pk, request.topic, request.attempts
    )
    return True


def _attempt_failed(request: ComplianceRequest, exc: Exception) -> None:
    """Record the failure and when to retry; the log line names the exception's type only (its text may
    quote the customer's data, kept in the row's `last_error` and deleted with it)."""
    delay = RETRY_DELAYS[min(request.attempts, len(RETRY_DELAYS)) - 1]
    ComplianceRequest.objects.filter(pk=request.pk).update(
        next_attempt_at=timezone.now() + delay, last_error=f"{type(exc).__name__}: {exc}"[:2000]
    )
    level = logging.ERROR if request.attempts >= ALERT_AFTER else logging.WARNING
    logger.log(
        level,
        "Privacy request %s (%s for %s) failed %s time(s) (%s); retried in %s min",
        request.pk,
        request.topic,
        request.shop_domain,
        request.attempts,
        type(exc).__name__,
        int(delay.total_seconds() // 60),
    )


def _customer_gid(payload: dict) -> str:
    customer_id = _customer_fields(payload)["id"]
    return f"gid://shopify/Customer/{customer_id}" if customer_id else ""


def _customer_links(shop: Shop, payload: dict):
    email = _customer_fields(payload)["email"].strip().lower()
    match = Q(shopify_id=_customer_gid(payload)) if _customer_gid(payload) else Q(pk__in=[])
    if email:
        match |= Q(email=email)
    return CustomerLink.objects.filter(shop=shop).filter(match), email


def report_customer_data(domain: str, payload: dict) -> None:
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


def erase_customer(domain: str, payload: dict) -> None:
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


def erase_shop(domain: str, _payload: dict | None = None) -> None:
    """shop/redact: delete everything the app holds about the shop, its install records and pending privacy
    requests too (its Cin7 webhook registrations first, while the credentials to delete them are still
    there). Webhook delivery ids stay: they name no shop, and keep a replay of this delivery from being
    applied again."""
    shop = Shop.objects.filter(domain=domain).first()
    if shop is not None:
        cin7_registration.unregister(shop)
    deleted, _ = Shop.objects.filter(domain=domain).delete()
    deleted += OAuthState.objects.filter(shop_domain=domain).delete()[0]
    deleted += ComplianceRequest.objects.filter(shop_domain=domain).delete()[0]
    # The task history: the app's task names and schedule names (a task's group) carry the domain as a word.
    named = rf"(^| ){re.escape(domain)}( |$)"
    deleted += Task.objects.filter(Q(name__regex=named) | Q(group__regex=named)).delete()[0]
    logger.info("Redacted shop %s (%s rows)", domain, deleted)


WORK = {
    "customers/data_request": report_customer_data,
    "customers/redact": erase_customer,
    "shop/redact": erase_shop,
}
