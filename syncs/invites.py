"""Pending invites: each customer the app created is invited once (contract §3 "Pending invites").

Classic customer accounts get Shopify's own invite; with native B2B on, Shopify's company welcome email
goes to the company contact; otherwise (new customer accounts, passwordless) the app emails its own
welcome message: those are returned for the app to send, then recorded with `record_welcome`. Each send
is claimed in the store first, so two processes can never send the same invite twice.
"""

import logging

from connectors.shopify.b2b import B2BAdmin
from connectors.shopify.errors import ShopifyAuthError, ShopifyError

from .issues import Code, Issue
from .store import DueInvite, InviteStore

logger = logging.getLogger(__name__)


def send_due_invites(
    store: InviteStore, due: list[DueInvite], api, *, classic_accounts: bool, report=None, before_write=None
) -> tuple[int, list[DueInvite]]:
    """Send the `due` invites Shopify sends; return how many were sent, and the claimed invites whose
    welcome email the app sends. `report(issue)` receives final failures; a revoked token stops it."""
    sent, to_welcome = 0, []
    for invite in due:
        contact = None if classic_accounts else store.company_contact(invite)
        if contact == "":
            continue  # native B2B: welcomed as a company contact, once the B2B phase has made it one
        if not store.claim(invite):
            continue  # another process took it
        if not classic_accounts and contact is None:
            to_welcome.append(invite)
            continue
        try:
            error = _send(api, invite, contact, before_write)
        except ShopifyAuthError:
            store.unclaim(invite)  # not this invite's failure: due again, no try counted
            raise
        sent += record_outcome(store, invite, error, report)
    return sent, to_welcome


def _send(api, invite: DueInvite, contact_id: str | None, before_write) -> str | None:
    """Shopify's invite (classic accounts) or its company welcome (`contact_id`); None when sent, else
    what went wrong."""
    if before_write:
        before_write()
    try:
        if contact_id:  # native B2B: Shopify's company welcome email instead of the app's (contract §3)
            errors = B2BAdmin(api.client).send_welcome(contact_id)
        else:
            errors = api.send_invite(invite.shopify_id).errors
    except ShopifyAuthError:
        raise
    except ShopifyError as exc:
        return str(exc)
    return "; ".join(str(e) for e in errors) or None


def record_outcome(store: InviteStore, invite: DueInvite, error: str | None, report=None) -> int:
    """Record one send (None: sent); 1 when sent. A last try that failed is reported."""
    if error is None:
        store.sent(invite)
        return 1
    store.failed(invite, error)
    logger.info("Invite to %s failed (attempt %s): %s", invite.email, invite.attempts + 1, error)
    if invite.last_try and report is not None:
        report(
            Issue(
                Code.INVITE_FAILED,
                f"The account invite to {invite.email} failed {invite.max_attempts} times: {error}",
                cin7_id=invite.cin7_id,
                email=invite.email,
                subject=f"invite:{invite.cin7_id}",
            )
        )
    return 0


def record_acceptances(store: InviteStore, api) -> int:
    """Mark invites accepted where Shopify reports the account ENABLED (recent invites only)."""
    ids = store.recently_sent()
    if not ids:
        return 0
    states = api.customer_states(ids)
    return store.accepted([ids[customer_id] for customer_id, state in states.items() if state == "ENABLED"])
