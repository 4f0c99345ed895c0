"""Welcomes for the buyers the B2B phase creates (CONTRACT §3 "Pending invites", "Companies as Cin7 shapes
them"): the same rules as every invite. A buyer customer the app creates is invited once, held when the
shop's first import creates it (released with the other held invites), with at most `MAX_TRIES` tries:
Shopify's `companyContactSendWelcomeEmail` on new customer accounts, `customerSendAccountInviteEmail` on
classic ones. The state lives in the buyer's entry of its link's `written["buyers"]` (`invite`, `tries`).
"""

from connectors.shopify.b2b import B2BAdmin
from connectors.shopify.errors import ShopifyAuthError, ShopifyError

from ..issues import Code, Issue

HELD, PENDING, SENDING, SENT, FAILED = "held", "pending", "sending", "sent", "failed"
MAX_TRIES = 5
CLASSIC = "CLASSIC"


def first_invite_state(ctx) -> str:
    """A new buyer's invite: held on the shop's first import, else due."""
    return HELD if not ctx.state.first_full_customer_sync_done else PENDING


def send_buyer_welcomes(ctx, api: B2BAdmin, links: dict) -> int:
    """Send the due welcomes (pending, failed with tries left, or a send a killed run left unconfirmed);
    returns how many were sent."""
    if not ctx.settings.send_invites or ctx.dry_run:
        return 0
    due = [
        (link, email, entry)
        for link in links.values()
        for email, entry in sorted((link.written.get("buyers") or {}).items())
        if entry.get("invite") in (PENDING, SENDING)
        or (entry.get("invite") == FAILED and entry.get("tries", 0) < MAX_TRIES)
    ]
    if not due:
        return 0
    classic = ctx.shopify.shop_facts().customer_accounts_version == CLASSIC
    sent = 0
    for link, email, entry in due:
        entry["invite"] = SENDING
        ctx.store.save_company_link(link)  # claimed before the send
        ctx.before_write()
        error = _send(ctx, api, entry, classic)
        entry["tries"] = entry.get("tries", 0) + 1
        entry["invite"] = SENT if error is None else FAILED
        ctx.store.save_company_link(link)
        sent += error is None
        if error is not None and entry["tries"] >= MAX_TRIES:
            ctx.report(
                Issue(
                    Code.INVITE_FAILED,
                    f"The account invite to {email} failed {MAX_TRIES} times: {error}",
                    cin7_id=link.cin7_id,
                    email=email,
                    subject=f"invite:{email}",
                )
            )
    return sent


def _send(ctx, api: B2BAdmin, entry: dict, classic: bool) -> str | None:
    try:
        if classic:
            errors = ctx.shopify.send_invite(entry["customer"]).errors
        else:
            errors = api.send_welcome(entry["contact"])
    except ShopifyAuthError:
        raise
    except ShopifyError as exc:
        return str(exc)
    return "; ".join(str(e) for e in errors) or None


def release_held_buyers(links) -> int:
    """Turn held buyer welcomes of these links (`CompanyLinkRecord`-like, with `written`) into due ones;
    returns how many; the caller saves the links it changed."""
    released = 0
    for link in links:
        for entry in (link.written.get("buyers") or {}).values():
            if entry.get("invite") in (HELD, FAILED):
                entry["invite"], entry["tries"] = PENDING, 0
                released += 1
    return released
