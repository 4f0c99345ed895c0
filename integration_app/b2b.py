"""Whether a shop has Shopify B2B, as last read from `shop.entitlements.markets.b2b` and `shop.plan`, its
mode (`direct` on Plus, `markets` below) and what reaches checkout below Plus (contract §3)."""

import logging

from django.utils import timezone

from connectors.shopify.b2b import B2BAdmin, B2BFacts
from connectors.shopify.errors import ShopifyError

from .models import Shop
from .shopify_api import admin_api

logger = logging.getLogger(__name__)


REACH_KEYS = ("served_tiers", "tiers_not_served", "customers_prices_need_plus")


def record_b2b_facts(shop: Shop, facts: B2BFacts) -> None:
    """The facts just read; what a B2B run last counted (`REACH_KEYS`) is kept while the mode stays."""
    mode = "direct" if facts.shopify_plus else "markets"
    before = shop.b2b or {}
    kept = {key: before[key] for key in REACH_KEYS if key in before and before.get("mode") == mode}
    shop.b2b = {
        "available": facts.available,
        "reason": facts.reason,
        "plan": facts.plan,
        "mode": mode,
        "served_tiers": [],
        "tiers_not_served": [],
        "customers_prices_need_plus": 0,
        **kept,
        "checked_at": timezone.now().isoformat(),
    }
    shop.save(update_fields=["b2b"])


def record_b2b_reach(shop: Shop, reach: dict) -> None:
    """`served_tiers`, `tiers_not_served`, `customers_prices_need_plus` of the last full B2B run."""
    shop.b2b = {**(shop.b2b or {}), **{key: reach[key] for key in REACH_KEYS if key in reach}}
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
