"""Invites, the app's side: which are due, claimed on the link row, the app's own welcome emails sent, and
held invites released (`syncs.invites` sends Shopify's invites and decides the outcome)."""

import logging
from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone
from django_q.tasks import async_task

from syncs import invites
from syncs.b2b.welcomes import release_held_buyers
from syncs.store import DueInvite

from ..install.setup import refresh_shop_facts
from ..models import MAX_INVITE_ATTEMPTS, CompanyLink, CustomerLink, InviteStatus, Shop, SyncSettings
from ..notifications.emails import send_welcome_email

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


class OrmInviteStore:
    """`syncs.store.InviteStore` for one shop: each invite is a customer link row."""

    def __init__(self, shop: Shop):
        self.shop = shop
        self._b2b: bool | None = None

    def due(self) -> list[DueInvite]:
        rows = due_invites(self.shop).order_by("id")
        fields = ("id", "cin7_id", "email", "shopify_id", "invite_status", "invite_attempts")
        return [DueInvite(*row, max_attempts=MAX_INVITE_ATTEMPTS) for row in rows.values_list(*fields)]

    def claim(self, invite: DueInvite) -> bool:
        return bool(
            CustomerLink.objects.filter(pk=invite.id, invite_status=invite.status).update(
                invite_status=InviteStatus.SENDING, invited_at=timezone.now()
            )
        )

    def sent(self, invite: DueInvite) -> None:
        CustomerLink.objects.filter(pk=invite.id).update(
            invite_status=InviteStatus.SENT, invite_error="", invited_at=timezone.now()
        )

    def failed(self, invite: DueInvite, error: str) -> None:
        CustomerLink.objects.filter(pk=invite.id).update(
            invite_status=InviteStatus.FAILED, invite_attempts=F("invite_attempts") + 1, invite_error=error
        )

    def unclaim(self, invite: DueInvite) -> None:
        CustomerLink.objects.filter(pk=invite.id).update(invite_status=invite.status)

    def company_contact(self, invite: DueInvite) -> str | None:
        if not SyncSettings.objects.filter(shop=self.shop, b2b_companies=True).exists():
            return None
        company = CompanyLink.objects.filter(shop=self.shop, cin7_id=invite.cin7_id).first()
        return company.contact_id if company and company.written.get("customer") == invite.shopify_id else ""

    def recently_sent(self) -> dict[str, int]:
        recent = CustomerLink.objects.filter(
            shop=self.shop,
            invite_status=InviteStatus.SENT,
            invited_at__gte=timezone.now() - ACCEPTANCE_WINDOW,
        )
        return dict(recent.values_list("shopify_id", "pk"))

    def accepted(self, invite_ids: list[int]) -> int:
        return CustomerLink.objects.filter(pk__in=invite_ids).update(invite_status=InviteStatus.ACCEPTED)


def send_due_invites(shop: Shop, api, report=None, before_write=None) -> int:
    """Send every due invite; return how many were sent. `report(issue)` receives final failures.

    The shop's facts are read first: it may have moved to new customer accounts, or changed its email
    (the welcome email's reply-to), since they were last read. A revoked token stops the sending."""
    store = OrmInviteStore(shop)
    due = store.due()
    if not due:
        return 0
    refresh_shop_facts(shop, api)
    sent, to_welcome = invites.send_due_invites(
        store, due, api, classic_accounts=shop.uses_classic_accounts, report=report, before_write=before_write
    )
    for invite in to_welcome:
        sent += invites.record_outcome(store, invite, _welcome(shop, invite.email), report)
    return sent


def _welcome(shop: Shop, email: str) -> str | None:
    """The app's welcome email with the sign-in link; None when sent, else what went wrong."""
    try:
        send_welcome_email(shop, email)
    except OSError as exc:  # smtplib errors are OSErrors
        return f"The welcome email could not be sent ({type(exc).__name__}: {exc})."
    return None


def record_acceptances(shop: Shop, api) -> int:
    """Mark invites accepted where Shopify reports the account ENABLED (recent invites only)."""
    return invites.record_acceptances(OrmInviteStore(shop), api)


def release_held(shop: Shop, cin7_ids: list[str] | None) -> int:
    """Turn held invites (from the first import) and failed ones into pending ones, with fresh tries;
    None releases all."""
    released = CustomerLink.objects.filter(
        shop=shop, invite_status__in=[InviteStatus.HELD, InviteStatus.FAILED]
    )
    if cin7_ids is not None:
        released = released.filter(cin7_id__in=[str(i) for i in cin7_ids])
    count = released.update(invite_status=InviteStatus.PENDING, invite_attempts=0, invite_error="")
    return count + _release_held_buyers(shop, cin7_ids)


def _release_held_buyers(shop: Shop, cin7_ids: list[str] | None) -> int:
    """Held welcomes of the buyers the B2B phase created (per company link); the next B2B run sends them."""
    links = CompanyLink.objects.filter(shop=shop)
    if cin7_ids is not None:
        links = links.filter(cin7_id__in=[str(i) for i in cin7_ids])
    released = 0
    for link in links:
        now = release_held_buyers([link])
        if now:
            link.save(update_fields=["written", "updated_at"])
            released += now
    return released


def release_invites(shop: Shop, cin7_ids: list[str] | None) -> int:
    """Release held invites and send them now (in a worker)."""
    released = release_held(shop, cin7_ids)
    if released:
        async_task("integration_app.tasks.send_invites", shop.domain, task_name=f"invites {shop.domain}")
    return released
