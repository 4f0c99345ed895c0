"""Whether a shop has Shopify B2B, as last read from `shop.entitlements.markets.b2b` and `shop.plan`."""

import logging

from django.utils import timezone

from connectors.shopify.b2b import B2BAdmin, B2BFacts
from connectors.shopify.errors import ShopifyError

from .models import Shop
from .shopify_api import admin_api

logger = logging.getLogger(__name__)


def record_b2b_facts(shop: Shop, facts: B2BFacts) -> None:
    shop.b2b = {
        "available": facts.available,
        "reason": facts.reason,
        "plan": facts.plan,
        "checked_at": timezone.now().isoformat(),
    }
    shop.save(update_fields=["b2b"])


def b2b_refusal(shop: Shop) -> str:
    """Why Shopify B2B cannot be turned on for `shop` ("" when it can), read from Shopify now."""
    try:
        facts = B2BAdmin(admin_api(shop).client).facts()
    except ShopifyError as exc:
        logger.info("B2B availability of %s not read: %s", shop.domain, exc)
        return "Shopify could not be asked whether this shop has B2B; try again in a minute."
    record_b2b_facts(shop, facts)
    return facts.reason
