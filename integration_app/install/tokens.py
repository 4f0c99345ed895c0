"""The shop's offline token: stored encrypted, refreshed before expiry under a per-shop lock."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from connectors.shopify.errors import OAuthError, ShopifyAuthError
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
    try:
        with transaction.atomic():
            locked = Shop.objects.select_for_update().get(pk=shop.pk)
            if locked.token_needs_refresh:
                store_token_set(locked, _refreshed_tokens(locked))
                logger.info("Refreshed the offline token of %s", locked.domain)
    except ShopifyAuthError:
        mark_token_invalid(shop)  # after the rollback, so the mark stays
        raise
    shop.refresh_from_db()
    return shop.access_token


def _refreshed_tokens(shop: Shop) -> TokenSet:
    if not shop.refresh_token:
        raise ShopifyAuthError(
            f"The access token for {shop.domain} expired and there is no refresh token; "
            "open the app in the Shopify admin to authorise it again."
        )
    try:
        return oauth_client().refresh(shop.domain, shop.refresh_token)
    except OAuthError as exc:  # invalid_grant: the refresh token was revoked or has expired
        raise ShopifyAuthError(
            f"Shopify refused to refresh the access token for {shop.domain} ({exc.error or 'refused'}); "
            "open the app in the Shopify admin to authorise it again.",
            call="token refresh",
            status=exc.status,
        ) from None


def mark_token_invalid(shop: Shop) -> None:
    """Shopify answered 401: remember it, so the page asks for re-authorisation and syncs stop early."""
    Shop.objects.filter(pk=shop.pk).update(token_invalid_at=timezone.now())
    shop.token_invalid_at = timezone.now()


def _after(now, seconds: int | None):
    return now + timedelta(seconds=seconds) if seconds is not None else None
