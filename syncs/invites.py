"""Pending invites: each customer the app created is invited once (contract §3 "Pending invites").

Classic customer accounts get Shopify's own invite; new customer accounts (passwordless) have none, so
the app emails its welcome message with the sign-in link. Each send is claimed atomically on the link
row first, so two processes can never send the same invite twice.
"""

import logging
from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone

from connectors.shopify.b2b import B2BAdmin
from connectors.shopify.errors import ShopifyAuthError, ShopifyError
from integration_app.install.setup import refresh_shop_facts
from integration_app.models import (
    MAX_INVITE_ATTEMPTS,
    CompanyLink,
    CustomerLink,
    InviteStatus,
    Shop,
    SyncSettings,
)
from integration_app.notifications.emails import send_welcome_email

from .issues import Code, Issue

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=15)
ACCEPTANCE_WINDOW = timedelta(days=60)


def due_invites(shop: Shop):
    """Links whose invite should be (re)sent now."""
    stale_claim = Q(invite_status=InviteStatus.SENDING, invited_at__lt=timezone.now() - CLAIM_TIMEOUT)
    return (
        CustomerLink.objects.filter(shop=shop, created_by_app=True)
        .exclude(shopify_id="")
        .filter(
            Q(invite_status=InviteStatus.PENDING)
            | Q(invite_status=InviteStatus.FAILED, invite_attempts__lt=MAX_INVITE_ATTEMPTS)
            | stale_claim
        )
    )


def send_due_invites(shop: Shop, api, report=None, before_write=None) -> int:
    """Send every due invite; return how many were sent. `report(issue)` receives final failures.

    The shop's facts are read first: it may have moved to new customer accounts, or changed its email
    (the welcome email's reply-to), since they were last read. A revoked token stops the sending."""
    due = due_invites(shop).order_by("id")
    if not due.exists():
        return 0
    refresh_shop_facts(shop, api)
    sent = 0
    for link in due:
        if not shop.uses_classic_accounts and _company_contact(shop, link) == "":
            continue  # native B2B: welcomed as a company contact, once the B2B phase has made it one
        claimed = CustomerLink.objects.filter(pk=link.pk, invite_status=link.invite_status).update(
            invite_status=InviteStatus.SENDING, invited_at=timezone.now()
        )
        if not claimed:
            continue  # another process took it
        try:
            error = _send(shop, api, link, before_write)
        except ShopifyAuthError:
            # Not this invite's failure: it stays due, without a try counted, for when access is back.
            CustomerLink.objects.filter(pk=link.pk).update(invite_status=link.invite_status)
            raise
        if error is None:
            CustomerLink.objects.filter(pk=link.pk).update(
                invite_status=InviteStatus.SENT, invite_error="", invited_at=timezone.now()
            )
            sent += 1
            continue
        CustomerLink.objects.filter(pk=link.pk).update(
            invite_status=InviteStatus.FAILED, invite_attempts=F("invite_attempts") + 1, invite_error=error
        )
        logger.info("Invite to %s failed (attempt %s): %s", link.email, link.invite_attempts + 1, error)
        if link.invite_attempts + 1 >= MAX_INVITE_ATTEMPTS and report is not None:
            report(
                Issue(
                    Code.INVITE_FAILED,
                    f"The account invite to {link.email} failed {MAX_INVITE_ATTEMPTS} times: {error}",
                    cin7_id=link.cin7_id,
                    email=link.email,
                    subject=f"invite:{link.cin7_id}",
                )
            )
    return sent


def _send(shop: Shop, api, link: CustomerLink, before_write) -> str | None:
    """Send one invite; None on success, else what went wrong."""
    if shop.uses_classic_accounts:
        if before_write:
            before_write()
        try:
            result = api.send_invite(link.shopify_id)
        except ShopifyAuthError:
            raise
        except ShopifyError as exc:
            return str(exc)
        if result.errors:
            return "; ".join(str(e) for e in result.errors)
        return None
    contact_id = _company_contact(shop, link)
    if contact_id:  # native B2B: Shopify's company welcome email instead of the app's (contract §3)
        if before_write:
            before_write()
        try:
            errors = B2BAdmin(api.client).send_welcome(contact_id)
        except ShopifyAuthError:
            raise
        except ShopifyError as exc:
            return str(exc)
        return "; ".join(str(e) for e in errors) or None
    try:
        send_welcome_email(shop, link.email)
    except OSError as exc:  # smtplib errors are OSErrors
        return f"The welcome email could not be sent ({type(exc).__name__}: {exc})."
    return None


def _company_contact(shop: Shop, link: CustomerLink) -> str | None:
    """With native B2B on: the company contact made of this customer, or "" while it is not one yet.
    None when B2B is off (the app's own welcome email)."""
    if not SyncSettings.objects.filter(shop=shop, b2b_companies=True).exists():
        return None
    company = CompanyLink.objects.filter(shop=shop, cin7_id=link.cin7_id).first()
    return company.contact_id if company and company.written.get("customer") == link.shopify_id else ""


def record_acceptances(shop: Shop, api) -> int:
    """Mark invites accepted where Shopify reports the account ENABLED (recent invites only)."""
    recent = CustomerLink.objects.filter(
        shop=shop, invite_status=InviteStatus.SENT, invited_at__gte=timezone.now() - ACCEPTANCE_WINDOW
    )
    ids = {link.shopify_id: link.pk for link in recent}
    if not ids:
        return 0
    states = api.customer_states(ids)
    enabled = [ids[customer_id] for customer_id, state in states.items() if state == "ENABLED"]
    return CustomerLink.objects.filter(pk__in=enabled).update(invite_status=InviteStatus.ACCEPTED)


def release_held(shop: Shop, cin7_ids: list[str] | None) -> int:
    """Turn held invites (from the first import) and failed ones into pending ones, with fresh tries;
    None releases all."""
    released = CustomerLink.objects.filter(
        shop=shop, invite_status__in=[InviteStatus.HELD, InviteStatus.FAILED]
    )
    if cin7_ids is not None:
        released = released.filter(cin7_id__in=[str(i) for i in cin7_ids])
    return released.update(invite_status=InviteStatus.PENDING, invite_attempts=0, invite_error="")
