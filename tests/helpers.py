"""Small helpers shared by the integration tests."""

import base64
import hashlib
import hmac

from connectors.shopify.bulk_mutations import BulkMutations
from integration_app.models import SyncRun
from integration_app.runs.control import claim_run, start_run
from integration_app.runs.execute import execute
from syncs.context import WriteLimitReached


def run_sync(shop, *, kind="all", full=True, dry_run=False, trigger="command", **options):
    """Start, claim and execute one run in the foreground, as `manage.py sync` does."""
    run = start_run(shop, kind=kind, full=full, dry_run=dry_run, trigger=trigger)
    return execute(claim_run(run.pk), **options)


def killed_until_done(shop, forget, *, tries: int) -> int:
    """Runs stopped before their 1st, 2nd, … write until one completes, every other time also losing what
    they recorded locally (`forget(shop)`: a process killed between Shopify's answer and its database
    write); the number of kills."""
    for limit in range(1, tries):
        try:
            run_sync(shop, write_limit=limit)
        except WriteLimitReached:
            SyncRun.objects.filter(status="running").update(heartbeat_at="2020-01-01T00:00:00Z")
            if limit % 2:
                forget(shop)
            continue
        return limit - 1  # every earlier run was killed
    raise AssertionError(f"no run completed in {tries - 1} tries")


def kill_bulk_stage(monkeypatch, method: str, stage: int) -> None:
    """At the `stage`th bulk operation the worker dies while it stages the lines (`stage`), right after
    the start, before the operation's ID was stored (`run`), or while it waits (`wait`: the operation runs
    on in Shopify)."""
    real, calls = getattr(BulkMutations, method), []

    def killed(self, *args):
        calls.append(method)
        if len(calls) != stage:
            return real(self, *args)
        if method == "run":
            real(self, *args)
        raise WriteLimitReached(f"killed in {method}")

    monkeypatch.setattr(BulkMutations, method, killed)


def b2b_customer(
    name, email, *, tags="b2b", phone="(415) 555-0100", country="United States", state="California", **extra
):
    """A Cin7 customer as the sandbox takes it (contact default, one shipping address)."""
    return {
        "Name": f"{name} Trading",
        "Tags": tags,
        "TaxRule": "Sales Tax",
        "PriceTier": 1,
        "CreditLimit": 1000,
        "Contacts": [{"Name": name, "Email": email, "Phone": phone, "Default": True}],
        "Addresses": [
            {
                "Line1": "1 Market St",
                "City": "San Francisco",
                "State": state,
                "Postcode": "94105",
                "Country": country,
                "Type": "Shipping",
                "DefaultForType": True,
            }
        ],
        **extra,
    }


def webhook_signature(body: bytes, secret: str) -> str:
    """The `X-Shopify-Hmac-Sha256` Shopify puts on a webhook body: base64 HMAC-SHA256 of the raw bytes."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


# What a B2B run below Plus records on the shop (`shop.b2b`): the page and the settings API tests show it.
MARKETS_FACTS = {
    "available": True,
    "reason": "",
    "plan": "Grow",
    "mode": "markets",
    "served_tiers": ["Wholesale", "Trade"],
    "tiers_not_served": [{"tier": "Distributor", "customers": 4}, {"tier": "Export", "customers": 1}],
    "customers_prices_need_plus": 3,
}
