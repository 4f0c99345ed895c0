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
    except ValueError:
        logger.warning("Webhook %s refused: body is not JSON", topic)
        return JsonResponse({"error": "Body must be JSON."}, status=400)
    domain = _shop_domain(request, payload)
    if domain is None or not isinstance(payload, dict):
        logger.warning("Webhook %s refused: missing shop domain or non-object body", topic)
        return JsonResponse({"error": "Missing shop domain or JSON object."}, status=400)
    if topic not in HANDLED_TOPICS:
        logger.info("Webhook %s for %s ignored: topic not handled", topic, domain)
        return HttpResponse(status=200)
    webhook_id = request.headers.get("X-Shopify-Webhook-Id", "")
    # The delivery is recorded and handed off in one transaction: a handler that fails leaves no record,
    # so Shopify's retry of the same delivery is handled instead of being taken for a duplicate.
    with transaction.atomic():
        if webhook_id and not _first_delivery(webhook_id, topic):
            logger.info("Webhook %s %s for %s already handled", topic, webhook_id, domain)
            return HttpResponse(status=200)
        dispatch(topic, domain, payload)
    return HttpResponse(status=200)


def _shop_domain(request, payload) -> str | None:
    """The `X-Shopify-Shop-Domain` header; without it, the shop the (signed) body names."""
    header = request.headers.get("X-Shopify-Shop-Domain")
    if header is not None or not isinstance(payload, dict):
        return clean_shop_domain(header)
    named = payload.get("shop_domain") or payload.get("myshopify_domain")
    return clean_shop_domain(named) if isinstance(named, str) else None


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


def dispatch(topic: str, domain: str, payload: dict) -> None:
    HANDLERS[topic](domain, payload)
