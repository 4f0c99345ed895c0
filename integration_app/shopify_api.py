"""The Shopify Admin API of one installed shop, wired to the stored token and the settings."""

from django.conf import settings

from connectors.clock import SYSTEM_CLOCK
from connectors.shopify.admin import ShopifyAdmin
from connectors.shopify.client import GraphQLClient

from .install.tokens import access_token, mark_token_invalid
from .models import Shop


def admin_api(shop: Shop, *, clock=SYSTEM_CLOCK) -> ShopifyAdmin:
    """A client that refreshes the token when due and marks the shop when Shopify answers 401."""
    client = GraphQLClient(
        shop.domain,
        lambda: access_token(shop),
        admin_url_template=settings.SHOPIFY_ADMIN_URL,
        api_version=settings.SHOPIFY_API_VERSION,
        clock=clock,
        on_auth_error=lambda: mark_token_invalid(shop),
    )
    return ShopifyAdmin(client)
