"""`POST /webhooks/shopify`: verify, de-duplicate, hand off, answer 200 (contract §2 "Webhooks")."""

import json
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_q.tasks import async_task

from .. import scheduling
from ..auth.signatures import webhook_hmac_is_valid
from ..models import Shop, WebhookDelivery
from ..shop_domains import clean_shop_domain
from . import compliance

logger = logging.getLogger(__name__)


@csrf_exempt  # Shopify signs the body instead; the HMAC is checked before anything else.
@require_POST
def shopify_webhook(request):
    body = request.body
    if not webhook_hmac_is_valid(
        body, request.headers.get("X-Shopify-Hmac-Sha256", ""), settings.SHOPIFY_API_SECRET
    ):
        logger.warning("Webhook refused: bad HMAC (topic %s)", request.headers.get("X-Shopify-Topic", "?"))
        return HttpResponse("Invalid HMAC", status=401, content_type="text/plain")
    topic = request.headers.get("X-Shopify-Topic", "")
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        logger.warning("Webhook %s refused: body is not JSON", topic)
        return JsonResponse({"error": "Body must be JSON."}, status=400)
    if not isinstance(payload, dict):
        logger.warning("Webhook %s refused: the body is not a JSON object", topic)
        return JsonResponse({"error": "Body must be a JSON object."}, status=400)
    if topic not in HANDLED_TOPICS:
        logger.info("Webhook %s ignored: topic not handled", topic)
        return HttpResponse(status=200)
    domain = signed_shop_domain(topic, payload)
    if domain is None or not _fits_topic(topic, payload):
        logger.warning("Webhook %s refused: the signed body names no shop or is another topic's", topic)
        return JsonResponse({"error": "The body names no shop, or does not fit the topic."}, status=400)
    header = request.headers.get("X-Shopify-Shop-Domain")
    if header is not None and clean_shop_domain(header.strip().lower()) != domain:
        logger.warning("Webhook %s for %s refused: X-Shopify-Shop-Domain names another shop", topic, domain)
        return JsonResponse({"error": "X-Shopify-Shop-Domain does not match the signed body."}, status=401)
    webhook_id = request.headers.get("X-Shopify-Webhook-Id", "")
    # The delivery is recorded and handed off in one transaction: a handler that fails leaves no record,
    # so Shopify's retry of the same delivery is handled instead of being taken for a duplicate.
    with transaction.atomic():
        if webhook_id and not _first_delivery(webhook_id, topic):
            logger.info("Webhook %s %s for %s already handled", topic, webhook_id, domain)
            return HttpResponse(status=200)
        dispatch(topic, domain, payload)
    return HttpResponse(status=200)


def signed_shop_domain(topic: str, payload: dict) -> str | None:
    """The shop the signed body names (`SHOP_KEYS` of the topic), never the unsigned header: a captured
    delivery replayed with another shop's `X-Shopify-Shop-Domain` must not act on that shop."""
    for key in SHOP_KEYS[topic]:
        named = payload.get(key)
        domain = clean_shop_domain(named.strip()) if isinstance(named, str) else None
        if domain is not None:
            return domain
    return None


def _fits_topic(topic: str, payload: dict) -> bool:
    """`X-Shopify-Topic` is not signed either: a captured body must not pass for another topic's. A
    customers/data_request replayed as customers/redact would erase the customer's links, a customers/* body
    replayed as shop/redact the whole shop; so a body carrying a key only another topic's body carries is
    refused."""
    return not OTHER_TOPICS_KEYS.get(topic, frozenset()) & payload.keys()


def _first_delivery(webhook_id: str, topic: str) -> bool:
    """Record the delivery (without the shop: it must outlive a redaction); False when it was recorded
    before (a duplicate)."""
    try:
        with transaction.atomic():
            WebhookDelivery.objects.create(webhook_id=webhook_id, topic=topic)
    except IntegrityError:
        return False
    return True


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
    async_task("integration_app.cin7_registration.unregister_task", domain, task_name=f"cin7-unhook {domain}")
    logger.info("%s uninstalled the app: token deleted, schedules stopped", domain)


HANDLERS = {
    "app/uninstalled": app_uninstalled,
    "customers/data_request": compliance.customers_data_request,
    "customers/redact": compliance.customers_redact,
    "shop/redact": compliance.shop_redact,
}
HANDLED_TOPICS = frozenset(HANDLERS)
# Where each topic's body names the shop. `app/uninstalled` sends the Shop object: `myshopify_domain`,
# and `domain` (the primary domain, often a custom one: used only when it is a *.myshopify.com domain).
# The compliance topics send `shop_domain` (FACTS §3 "Mandatory compliance webhooks").
SHOP_KEYS = {
    "app/uninstalled": ("myshopify_domain", "domain"),
    "customers/data_request": ("shop_domain",),
    "customers/redact": ("shop_domain",),
    "shop/redact": ("shop_domain",),
}

# The keys that tell the compliance bodies apart (FACTS §3 "Mandatory compliance webhooks"): data_request
# `{shop_id, shop_domain, orders_requested, customer, data_request}`, customers/redact `{shop_id, shop_domain,
# customer, orders_to_redact}`, shop/redact `{shop_id, shop_domain}`.
OTHER_TOPICS_KEYS = {
    "customers/data_request": frozenset({"orders_to_redact"}),
    "customers/redact": frozenset({"orders_requested", "data_request"}),
    "shop/redact": frozenset({"customer", "orders_requested", "data_request", "orders_to_redact"}),
}


def dispatch(topic: str, domain: str, payload: dict) -> None:
    HANDLERS[topic](domain, payload)
