"""Edits made in Shopify to the fields the app manages, found on full runs so Cin7's values are put back.

Only customers Shopify updated since the last check are read (`updated_at`, in Shopify's own clock, kept on
the shop's sync state). For those, the snapshot of what the app last wrote is corrected to what Shopify
holds, compared the way Shopify stores values (phones in E.164, address lines trimmed and case-insensitive
codes, decimals by value, JSON by content), so the ordinary difference writes back exactly what was edited;
without such an edit nothing differs and nothing is written.
"""

import decimal
import json
from dataclasses import dataclass, field

from connectors.shopify.records import ManagedCustomer

from .diff import KEEP, DesiredCustomer, diff_customer, stored_form


@dataclass
class Listing:
    """The customers a check listed: the latest updatedAt among them and who was updated at that second."""

    latest: str = ""
    ids_at_latest: set[str] = field(default_factory=set)


def check_shopify_edits(ctx, links: dict, desired: dict[str, DesiredCustomer], managed_tags: dict) -> Listing:
    """Correct the snapshots of linked customers edited in Shopify since the last check; count them."""
    checked = ctx.state.shopify_customers_checked or {}
    since, seen = checked.get("until") or "", set(checked.get("ids") or ())
    listing = Listing(since, seen if since else set())
    if not since:
        return listing  # the first full run: every customer is written now, from it on they are checked
    by_shopify_id = {
        link.shopify_id: link
        for link in links.values()
        if link.shopify_id and link.in_scope and link.written and link.cin7_id in desired
    }
    candidates = []
    for customer_id, updated_at in ctx.shopify.customers_updated_since(since):
        if updated_at > listing.latest:
            listing.latest, listing.ids_at_latest = updated_at, set()
        if updated_at == listing.latest:
            listing.ids_at_latest.add(customer_id)
        if customer_id in by_shopify_id and not (updated_at == since and customer_id in seen):
            candidates.append(customer_id)
    for customer_id, found in ctx.shopify.managed_customers(candidates).items():
        link = by_shopify_id[customer_id]
        state = desired[link.cin7_id]
        corrected = as_shopify_holds(link.written, found, managed_tags, state)
        if corrected != link.written and not diff_customer(state, corrected).empty:
            link.written = corrected
            ctx.count("repaired")
    return listing


def remember_check(ctx, listing: Listing, *, wrote: bool) -> None:
    """Move the check forward: past this run's own writes (read back from Shopify) when it wrote, else past
    what it listed."""
    if wrote or not listing.latest:
        latest, ids = ctx.shopify.latest_customer_updates()
        checked = {"until": latest, "ids": sorted(ids)}
    else:
        checked = {"until": listing.latest, "ids": sorted(listing.ids_at_latest)}
    if checked != ctx.state.shopify_customers_checked:
        ctx.state.shopify_customers_checked = checked
        ctx.store.save_state(ctx.state, ["shopify_customers_checked"])


def as_shopify_holds(
    written: dict, found: ManagedCustomer, managed_tags: dict, desired: DesiredCustomer
) -> dict:
    """`written` with every app-managed value Shopify holds differently (normalised) replaced by Shopify's.

    A default address edited, deleted or replaced as the default becomes None, so it is written again in
    place (and made the default again) without ever touching the merchant's other addresses.
    """
    fields = dict(written.get("fields") or {})
    for key, held in found.fields.items():
        if key in fields and not _same_field(key, fields[key], held):
            fields[key] = held
    if fields.get("address"):
        ours = written.get("address_id")
        moved = ours is not None and _address_key(ours) != _address_key(found.address_id)
        if moved or found.address is None or not same_address(found.address, fields["address"]):
            fields["address"] = None
    app_tags = [tag for tag in found.tags if tag.casefold() in managed_tags]
    tags = list(written.get("tags") or ())
    if {t.casefold() for t in app_tags} != {t.casefold() for t in tags}:
        tags = app_tags
    metafields = dict(written.get("metafields") or {})
    for key, wanted in desired.metafields.items():
        if wanted is KEEP:
            continue
        held = found.metafields.get(key)
        if held is None:
            metafields.pop(key, None)
        elif not _same_metafield(wanted.type, metafields.get(key), held):
            metafields[key] = stored_form(held)
    return {**written, "fields": fields, "tags": tags, "metafields": metafields}


ADDRESS_CODES = ("countryCode", "provinceCode", "zip")


def same_address(held: dict, ours: dict) -> bool:
    """Equal as Shopify stores addresses: blank is absent, lines trimmed, codes and postcodes in any case."""

    def norm(address: dict, key: str):
        value = (str(address.get(key) or "")).strip()
        return value.upper() if key in ADDRESS_CODES else value

    return all(norm(held, key) == norm(ours, key) for key in held.keys() | ours.keys())


def _address_key(address_id: str | None) -> str:
    return (address_id or "").split("?", 1)[0]  # Shopify appends `?model_name=CustomerAddress`


def _same_field(key: str, ours, held) -> bool:
    if key == "taxExempt":
        return bool(ours) == bool(held)
    if key == "phone":
        return _digits(ours) == _digits(held)
    return (ours or "").strip() == (held or "").strip()


def _digits(phone: str | None) -> str:
    return "".join(c for c in phone or "" if c.isdigit() or c == "+")


def _same_metafield(type_: str, stored: str | None, held: str) -> bool:
    if stored is None:
        return False
    if stored.startswith("sha256:"):  # a long value: only its digest was kept
        return stored in (stored_form(held), stored_form(_compact_json(held)))
    if type_ == "number_decimal":
        try:
            return decimal.Decimal(stored) == decimal.Decimal(held)
        except decimal.InvalidOperation:
            return stored == held
    if type_ == "json":
        try:
            return json.loads(stored) == json.loads(held)
        except ValueError:
            return stored == held
    return stored == held


def _compact_json(value: str) -> str:
    try:
        return json.dumps(json.loads(value), separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        return value
