"""Shopify's mandatory compliance webhooks (customers/data_request, customers/redact, shop/redact): each
delivery queues its work, and the work itself (report or erase what the app holds).

Queued tasks about one customer carry the customer's email in their arguments, so their results are not
kept in django-q's task history (`save=False`): once redacted, the customer's email is nowhere in the app.
Nor is a redacted shop's domain: `shop/redact`'s own task is not kept either.
"""

import logging
import re

from django.db.models import Q
from django_q.models import Task
from django_q.tasks import async_task

from .. import cin7_registration, scheduling
from ..models import CustomerLink, OAuthState, OpenProblem, Shop, SyncIssue
from ..notifications.emails import send_customer_data_report

logger = logging.getLogger(__name__)


def customers_data_request(domain: str, payload: dict) -> None:
    async_task(
        "integration_app.tasks.customer_data_request",
        domain,
        payload,
        task_name=f"data_request {domain}",
        save=False,
    )


def customers_redact(domain: str, payload: dict) -> None:
    async_task(
        "integration_app.tasks.redact_customer",
        domain,
        payload,
        task_name=f"redact_customer {domain}",
        save=False,
    )


def shop_redact(domain: str, payload: dict) -> None:
    shop = Shop.objects.filter(domain=domain).first()
    if shop is not None:
        scheduling.remove_schedules(shop)
    async_task("integration_app.tasks.redact_shop", domain, task_name=f"redact_shop {domain}", save=False)


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


def erase_shop(domain: str) -> None:
    """shop/redact: delete everything the app holds about the shop, its install records too (its Cin7
    webhook registrations first, while the credentials to delete them are still there). Webhook delivery
    ids stay: they name no shop, and keep a replay of this delivery from being applied again."""
    shop = Shop.objects.filter(domain=domain).first()
    if shop is not None:
        cin7_registration.unregister(shop)
    deleted, _ = Shop.objects.filter(domain=domain).delete()
    deleted += OAuthState.objects.filter(shop_domain=domain).delete()[0]
    # The task history: the app's task names and schedule names (a task's group) carry the domain as a word.
    named = rf"(^| ){re.escape(domain)}( |$)"
    deleted += Task.objects.filter(Q(name__regex=named) | Q(group__regex=named)).delete()[0]
    logger.info("Redacted shop %s (%s rows)", domain, deleted)
