"""What happens once a shop has a token: its facts are read and its webhooks registered."""

import logging

from django.conf import settings

from connectors.shopify.errors import ShopifyError

from ..models import Shop, ShopSyncState, SyncSettings
from ..shopify_api import admin_api

logger = logging.getLogger(__name__)

WEBHOOK_TOPICS = ("APP_UNINSTALLED",)


def webhook_url() -> str:
    return f"{settings.APP_URL}/webhooks/shopify"


def after_install(shop: Shop) -> bool:
    """Read the shop's facts and subscribe to `app/uninstalled`; two cheap calls, so done inline.

    A failure here never undoes the install: the facts are read again before the first sync.
    """
    SyncSettings.objects.get_or_create(shop=shop)
    ShopSyncState.objects.get_or_create(shop=shop)
    try:
        refresh_shop_facts(shop)
        api = admin_api(shop)
        for topic in WEBHOOK_TOPICS:
            errors = api.register_webhook(topic, webhook_url())
            # "already been taken" means a previous install registered it: fine.
            real = [e for e in errors if "taken" not in e.message.lower()]
            if real:
                logger.warning("Webhook %s not registered for %s: %s", topic, shop.domain, real)
    except ShopifyError as exc:
        logger.warning("Post-install setup of %s did not complete: %s", shop.domain, exc)
        return False
    return True


def refresh_shop_facts(shop: Shop, api=None) -> None:
    """Read the shop's name, email, currency, country and customer-accounts kind and URL again."""
    facts = (api or admin_api(shop)).shop_facts()
    shop.shop_gid = facts.id
    shop.name = facts.name
    shop.email = facts.email
    shop.currency = facts.currency
    shop.country_code = facts.country_code
    shop.customer_accounts_version = facts.customer_accounts_version
    shop.customer_accounts_url = facts.customer_accounts_url
    shop.save(
        update_fields=[
            "shop_gid",
            "name",
            "email",
            "currency",
            "country_code",
            "customer_accounts_version",
            "customer_accounts_url",
            "updated_at",
        ]
    )
