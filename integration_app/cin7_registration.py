"""Registering the shop's Cin7 webhooks (FACTS §7; contract §4 "Freshness").

The app registers `Customer/Updated` and `Product/Updated` in the merchant's Cin7 account with a bearer
token of its own and `ExternalURL = {APP_URL}/webhooks/cin7/<key>`. Cin7 does not render secrets back, so
the app knows its registrations by that URL (the key is the shop's alone), reuses them rather than adding
more (Cin7 allows 5 per type), re-activates them on full runs (Cin7 deactivates a webhook after 6 failed
deliveries) and deletes them on uninstall, shop redaction and credential change. Where Cin7 refuses (no
Automation module, or any other error) the status says why and scheduled polling carries on alone.

All of it runs in workers: a settings save only records what changed and queues `settle_credentials`
(issue 27: no web request waits on Cin7's retry policy).
"""

import logging
import secrets

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_q.tasks import async_task

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
    """In the request that saved credentials: when they moved to another account (or were removed), keep
    the key of the account holding the registrations (encrypted, until a worker deleted them there), then
    queue `settle_credentials`. The task gets the domain only: no secret in the queue."""
    current = credentials_of(shop)
    hooks = Cin7Webhooks.objects.filter(shop=shop).first()
    moved = previous and (current is None or current[0].lower() != previous[0].lower())
    if moved and hooks and hooks.account_id and hooks.account_id.lower() == previous[0].lower():
        hooks.retired_key = previous[1]
        hooks.save(update_fields=["retired_key"])
    async_task(
        "integration_app.tasks.cin7_credentials_saved", shop.domain, task_name=f"cin7-hooks {shop.domain}"
    )


def settle_credentials(shop: Shop) -> None:
    """A worker's part of a credentials save: registrations left in another account are deleted, unverified
    credentials are checked (the request's quick check may have met a busy Cin7), and verified credentials
    register (reusing what the same account already holds, with a fresh token)."""
    current = credentials_of(shop)
    hooks = Cin7Webhooks.objects.filter(shop=shop).first()
    if hooks and hooks.account_id and (current is None or current[0].lower() != hooks.account_id.lower()):
        unregister(shop)
    connection = Cin7Connection.objects.filter(shop=shop).first()
    if connection is None:
        return
    if connection.verified_at is None:
        try:
            # Paced under the shop, not the account the credentials name.
            pacing_key = unverified_pacing_key(shop)
            with cin7_client(connection.account_id, connection.api_key, pacing_key=pacing_key) as client:
                mark_verified(connection, client.me())
        except Cin7Error as exc:
            logger.info("Saved Cin7 credentials of %s not verified: %s", shop.domain, exc)
            return
    register(shop)


def unverified_pacing_key(shop: Shop) -> str:
    """The pace of calls with credentials Cin7 has not verified for `shop`: the shop's own, so that naming
    another tenant's Account ID never spends that account's pace (issue 27 item 6)."""
    return f"shop:{shop.pk}"


def mark_verified(connection: Cin7Connection, me) -> None:
    """Cin7 accepted the connection's credentials: store its company and currency (`GET /me`)."""
    connection.company, connection.currency, connection.verified_at = me.company, me.currency, timezone.now()
    connection.save(update_fields=["company", "currency", "verified_at", "updated_at"])


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
    """Delete the shop's registrations from Cin7 (with `credentials`, else the stored ones when they are of
    the account holding them); the status becomes off whatever Cin7 answers (a revoked key cannot delete;
    those lapse by Cin7's deactivation)."""
    hooks = Cin7Webhooks.objects.filter(shop=shop).first()
    if hooks is None:
        return
    stored = credentials_of(shop)
    if credentials is None and hooks.retired_key:
        credentials = (hooks.account_id, hooks.retired_key)
    elif credentials is None and stored and stored[0].lower() == hooks.account_id.lower():
        credentials = stored
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
    hooks.retired_key = ""
    hooks.save(update_fields=["token", "account_id", "status", "reason", "retired_key"])


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
