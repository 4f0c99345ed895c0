"""What each webhook topic does. Cheap bookkeeping runs inline; data deletion is queued.

Queued tasks about one customer carry the customer's email in their arguments, so their results are not
kept in django-q's task history (`save=False`): once redacted, the customer's email is nowhere in the app.
Nor is a redacted shop's domain: `shop/redact`'s own task is not kept either.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from . import scheduling
from .models import Shop

logger = logging.getLogger(__name__)


def app_uninstalled(domain: str, payload: dict) -> None:
    """Forget the token and stop the schedules; keep settings, links and history for a reinstall."""
    with transaction.atomic():
        shop = Shop.objects.select_for_update().filter(domain=domain).first()
        if shop is None:
            return
        shop.access_token = shop.refresh_token = ""
        shop.access_token_expires_at = shop.refresh_token_expires_at = None
        shop.uninstalled_at = timezone.now()
        shop.save()
    scheduling.remove_schedules(shop)
    async_task("integration_app.cin7_webhooks.unregister_task", domain, task_name=f"cin7-unhook {domain}")
    logger.info("%s uninstalled the app: token deleted, schedules stopped", domain)


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


HANDLERS = {
    "app/uninstalled": app_uninstalled,
    "customers/data_request": customers_data_request,
    "customers/redact": customers_redact,
    "shop/redact": shop_redact,
}
HANDLED_TOPICS = frozenset(HANDLERS)


def dispatch(topic: str, domain: str, payload: dict) -> None:
    HANDLERS[topic](domain, payload)
