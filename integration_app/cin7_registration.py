"""Registering the shop's Cin7 webhooks (FACTS §7; contract §4 "Freshness").

The app registers `Customer/Updated` and `Product/Updated` in the merchant's Cin7 account with a bearer
token of its own and `ExternalURL = {APP_URL}/webhooks/cin7/<key>`. Cin7 does not render secrets back, so
the app knows its registrations by that URL (the key is the shop's alone), reuses them rather than adding
more (Cin7 allows 5 per type), re-activates them on full runs (Cin7 deactivates a webhook after 6 failed
deliveries) and deletes them on uninstall, shop redaction and credential change. Where Cin7 refuses (no
Automation module, or any other error) the status says why and scheduled polling carries on alone.
"""

import logging
import secrets

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from connectors.cin7.errors import Cin7Error

from .cin7_api import cin7_client
from .models import Cin7Connection, Cin7Webhooks, RunKind, Shop, WebhookStatus

logger = logging.getLogger(__name__)

EVENTS = {"Customer/Updated": RunKind.CUSTOMERS, "Product/Updated": RunKind.PRICING}


def delivery_url(hooks: Cin7Webhooks) -> str:
    return settings.APP_URL + reverse("cin7_webhook", args=[hooks.key])


def credentials_of(shop: Shop) -> tuple[str, str] | None:
    connection = Cin7Connection.objects.filter(shop=shop).first()
    return (connection.account_id, connection.api_key) if connection else None


def credentials_saved(shop: Shop, previous: tuple[str, str] | None) -> None:
    """After credentials were saved: registrations left in another account are deleted, and verified
    credentials register (reusing what the same account already holds, with a fresh token)."""
    current = credentials_of(shop)
    if previous and (current is None or current[0].lower() != previous[0].lower()):
        unregister(shop, credentials=previous)
    verified = Cin7Connection.objects.filter(shop=shop, verified_at__isnull=False).exists()
    if current and verified:
        register(shop)


def register(shop: Shop) -> Cin7Webhooks:
    """Register (or re-register with a fresh token) both webhooks; the status says how it went."""
    hooks, _ = Cin7Webhooks.objects.get_or_create(shop=shop)
    hooks.token = secrets.token_urlsafe(32)
    hooks.save(update_fields=["token"])
    return ensure(shop, rotated=True)


def ensure(shop: Shop, *, rotated: bool = False) -> Cin7Webhooks | None:
    """Make Cin7 hold exactly one active registration per event for this shop (a full run's check).
    None when the shop has no registration to keep (never registered, or Cin7 not connected)."""
    hooks = Cin7Webhooks.objects.filter(shop=shop).first()
    connection = Cin7Connection.objects.filter(shop=shop, verified_at__isnull=False).first()
    if hooks is None or not hooks.token or connection is None:
        return None
    url = delivery_url(hooks)
    fields = {
        "IsActive": True,
        "ExternalURL": url,
        "ExternalAuthorizationType": "bearerauth",
        "ExternalBearerToken": hooks.token,
    }
    try:
        with cin7_client(connection.account_id, connection.api_key) as client:
            existing = [hook for hook in client.webhooks() if hook.external_url == url]
            for event in EVENTS:
                mine = [hook for hook in existing if hook.type == event]
                for extra in mine[1:]:  # a crash between POST and save can leave a second one
                    client.delete_webhook(extra.id)
                if not mine:
                    client.create_webhook({"Type": event, **fields})
                elif rotated or not mine[0].is_active:
                    client.update_webhook({"ID": mine[0].id, "Type": event, **fields})
    except Cin7Error as exc:
        logger.info("Cin7 webhooks of %s unavailable: %s", shop.domain, exc)
        hooks.status, hooks.reason = WebhookStatus.UNAVAILABLE, str(exc)
    else:
        hooks.status, hooks.reason = WebhookStatus.ACTIVE, ""
    hooks.account_id, hooks.checked_at = connection.account_id, timezone.now()
    hooks.save(update_fields=["status", "reason", "account_id", "checked_at"])
    return hooks


def unregister(shop: Shop, *, credentials: tuple[str, str] | None = None) -> None:
    """Delete the shop's registrations from Cin7 (with `credentials`, else the stored ones); the status
    becomes off whatever Cin7 answers (a revoked key cannot delete; those lapse by Cin7's deactivation)."""
    hooks = Cin7Webhooks.objects.filter(shop=shop).first()
    credentials = credentials or credentials_of(shop)
    if hooks is None:
        return
    if credentials and hooks.account_id:
        url = delivery_url(hooks)
        try:
            with cin7_client(*credentials) as client:
                for hook in client.webhooks():
                    if hook.external_url == url:
                        client.delete_webhook(hook.id)
        except Cin7Error as exc:
            logger.warning("Cin7 webhooks of %s not deleted: %s", shop.domain, exc)
    hooks.token, hooks.account_id, hooks.status, hooks.reason = "", "", WebhookStatus.OFF, ""
    hooks.save(update_fields=["token", "account_id", "status", "reason"])


def unregister_task(domain: str) -> None:
    """Queued on uninstall: the Shopify webhook answers at once, Cin7 is called from a worker."""
    shop = Shop.objects.filter(domain=domain).first()
    if shop is not None:
        unregister(shop)


def status_of(shop: Shop) -> tuple[str, str]:
    """(`"active"` / `"unavailable"` / `"off"`, reason) for the settings API and page."""
    hooks = Cin7Webhooks.objects.filter(shop=shop).first()
    if hooks is None:
        return WebhookStatus.OFF.value, ""
    return hooks.status, hooks.reason
