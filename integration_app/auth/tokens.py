"""The shop's offline token: stored encrypted, refreshed before expiry under a per-shop lock."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from connectors.shopify.errors import ShopifyAuthError
from connectors.shopify.oauth import OAuthClient, TokenSet

from ..models import Shop

logger = logging.getLogger(__name__)


def oauth_client() -> OAuthClient:
    return OAuthClient(settings.SHOPIFY_ADMIN_URL, settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET)


def store_token_set(shop: Shop, tokens: TokenSet) -> None:
    """Save a fresh token set on `shop` (encrypted by the model field) and mark the shop installed."""
    now = timezone.now()
    shop.access_token = tokens.access_token
    shop.access_token_expires_at = _after(now, tokens.expires_in)
    shop.refresh_token = tokens.refresh_token
    shop.refresh_token_expires_at = (
        _after(now, tokens.refresh_token_expires_in) if tokens.refresh_token else None
    )
    if tokens.scope:
        shop.scopes = tokens.scope
    shop.token_invalid_at = None
    if shop.uninstalled_at is not None or shop.installed_at is None:
        shop.installed_at = now
    shop.uninstalled_at = None
    shop.save()


def install_from_session_token(domain: str, id_token: str) -> Shop:
    """Token exchange (managed install): trade a verified session token for an expiring offline token."""
    tokens = oauth_client().exchange_session_token(domain, id_token)
    shop, _ = Shop.objects.get_or_create(domain=domain)
    store_token_set(shop, tokens)
    logger.info("Stored an offline token for %s by token exchange", domain)
    return shop


def access_token(shop: Shop) -> str:
    """A valid access token for `shop`, refreshed first when it expires within the margin.

    Concurrent callers serialise on the shop row: the first refreshes, the others reuse its result.
    Refresh tokens rotate (FACTS §1.3), so refreshing twice in parallel would waste one.
    """
    if not shop.token_needs_refresh:
        if not shop.access_token:
            raise ShopifyAuthError(
                f"The app has no access token for {shop.domain}; open the app to reinstall."
            )
        return shop.access_token
    with transaction.atomic():
        locked = Shop.objects.select_for_update().get(pk=shop.pk)
        if locked.token_needs_refresh:
            if not locked.refresh_token:
                raise ShopifyAuthError(
                    f"The access token for {shop.domain} expired and there is no refresh token; "
                    "open the app in the Shopify admin to authorise it again."
                )
            store_token_set(locked, oauth_client().refresh(locked.domain, locked.refresh_token))
            logger.info("Refreshed the offline token of %s", locked.domain)
    shop.refresh_from_db()
    return shop.access_token


def mark_token_invalid(shop: Shop) -> None:
    """Shopify answered 401: remember it, so the page asks for re-authorisation and syncs stop early."""
    Shop.objects.filter(pk=shop.pk).update(token_invalid_at=timezone.now())
    shop.token_invalid_at = timezone.now()


def _after(now, seconds: int | None):
    return now + timedelta(seconds=seconds) if seconds is not None else None
