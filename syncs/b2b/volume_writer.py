"""Volume pricing and pack sizes written to the app's tier price lists (contract §3 "Companies as Cin7
shapes them"): the direct mode's `tier:<code>` catalogs on Plus, the B2B markets' `market:<code>` catalogs
below Plus. Runs after the fixed prices (a break needs one:
`QUANTITY_PRICE_BREAK_ADD_PRICE_LIST_PRICE_NOT_FOUND`).

`CatalogRecord.volume` keeps what was written per price list, so a rerun without change writes nothing; a
full run compares what Shopify holds instead (Cin7 wins), for the variants the app manages only. From
`EXPORT_THRESHOLD` managed variants on a list, that read is a bulk export through a company location the
list alone prices (`VolumeExports`), started for every such list before the first is read; below it, or
when no such location is at hand or the export fails, the variants are read 30 a request.
"""

import logging

from connectors.cin7.records import Product
from connectors.shopify.b2b_volume import PER_CALL, VolumeAdmin, VolumeChange
from connectors.shopify.b2b_volume_export import VolumeExports
from connectors.shopify.errors import ShopifyQueryError, ShopifyUnavailableError

from ..issues import Code, Issue
from ..store import MARKET_KEY, CatalogRecord
from .volume import (
    NO_VOLUME,
    PACK_SIZE_CARTON,
    VariantVolume,
    held_state,
    volume_by_price_list,
    volume_changes,
)
from .writes import planned

logger = logging.getLogger(__name__)

TIER = "tier:"
# Measured on the sandbox (docs/benchmarks.md "Volume pricing and pack sizes"): the per-variant read costs
# about 7 points a variant, an export about 20 points (start, location check, polls) whatever its size but
# some 8 s of polling; from 100 variants (700 points, 7 s of a standard bucket) the export wins on both.
EXPORT_THRESHOLD = 100
PROBES = 3  # candidate locations checked per price list before falling back to the per-variant read


def desired_volume(ctx, products: list[Product], variants: dict, catalog_keys) -> dict[str, dict[str, dict]]:
    """Tier catalog key -> variant gid -> its state (`VariantVolume.state`), for the tiers of
    `catalog_keys`; the issues reported. Cin7's discount rules are read only when a product names one."""
    setting = ctx.settings.b2b_pack_size
    for product in products:
        if product.sku in variants:
            ctx.evaluated(f"volume:{product.sku}")
    codes = [int(key.removeprefix(TIER)) for key in catalog_keys if key.startswith(TIER)]
    named = any(product.discount_rule for product in products)
    cartons = setting == PACK_SIZE_CARTON and any((p.carton_quantity or 0) > 1 for p in products)
    if not codes or not (named or cartons):
        return {}
    rules = ctx.cin7.discount_rules() if named else []
    volume, issues = volume_by_price_list(products, rules, codes, variants, setting)
    for issue in issues:
        ctx.report(issue)
    states: dict[VariantVolume, dict] = {}  # equal volumes share one state: tiers x variants, few distinct
    for rows in volume.values():
        for variant_id, variant_volume in rows.items():
            if variant_volume not in states:
                states[variant_volume] = variant_volume.state()
            rows[variant_id] = states[variant_volume]
    return volume


class VolumeWriter:
    """Brings each tier price list's breaks and quantity rules to the desired state."""

    export_threshold = EXPORT_THRESHOLD

    def __init__(self, ctx, api: VolumeAdmin, currency: str, links: dict | None = None):
        self.ctx = ctx
        self.api = api
        self.currency = currency
        self.links = links or {}  # Cin7 ID -> CompanyLinkRecord: where a location's catalogs are recorded
        self.exports = VolumeExports(api.client)

    def write(self, rows: dict[str, CatalogRecord], volume: dict[str, dict[str, dict]]) -> None:
        """`rows`: the catalogs the mode's writer owns, by key; `volume` as `desired_volume` returns."""
        lists = []
        for key, row in sorted(rows.items()):
            tier_key = tier_key_of(key)
            if tier_key is None or not row.catalog_id or not row.price_list_id:
                continue
            priced = row.prices or {}
            desired = {v: state for v, state in volume.get(tier_key, {}).items() if v in priced}
            written = written_volume(row)
            if desired or written:
                lists.append((row, desired, written))
        started = self._start_exports(lists)
        for row, desired, written in lists:
            current = written or {}
            if not self.ctx.dry_run and (written is None or (self.ctx.full and written)):
                variants = None if written is None else set(desired) | set(written)
                current = self._held(row, variants, started.get(row.key))
            change, rules = volume_changes(desired, current)
            if self.ctx.dry_run:
                _plan(self.ctx, row, change, rules)
            elif change.breaks or change.rules_removed or rules:
                self._apply(row, desired, current, change, rules)
            elif current != written:
                _save(self.ctx, row, current)

    def _start_exports(self, lists: list) -> dict[str, str]:
        """Catalog key -> the bulk export started for it: a full run's lists with at least
        `export_threshold` variants to compare, each through a location it alone prices."""
        started: dict[str, str] = {}
        if self.ctx.dry_run or not self.ctx.full:
            return started
        for row, desired, written in lists:
            if not written or len(set(desired) | set(written)) < self.export_threshold:
                continue
            try:
                location_id = self._probe(row)
                if location_id:
                    started[row.key] = self.exports.start(location_id)
            except (ShopifyQueryError, ShopifyUnavailableError) as exc:
                logger.warning("Volume export of %s not started (%s); reading per variant", row.title, exc)
        return started

    def _probe(self, row: CatalogRecord) -> str | None:
        """A company location the price list of `row` alone prices, checked in Shopify: recorded in that
        catalog only (Plus: its direct catalog; below Plus: its market, with no direct catalog)."""
        market = row.key.startswith(MARKET_KEY)
        expected = [] if market else [(row.catalog_id, "ACTIVE")]
        checked = 0
        for link in sorted(self.links.values(), key=lambda link: link.cin7_id):
            catalogs = link.written.get("catalogs") or []
            recorded = (link.written.get("markets") or [], catalogs) if market else (catalogs, [])
            if not link.location_id or recorded != ([row.key], []):
                continue
            if self.exports.location_catalogs(link.location_id) == expected:
                return link.location_id
            checked += 1
            if checked >= PROBES:
                break
        return None

    def _held(self, row: CatalogRecord, variants: set[str] | None, export_id: str | None = None) -> dict:
        """What Shopify holds on `row`'s price list (the app's own: Cin7 wins on all of it). Full runs read
        the breaks of `variants` (those the app wants or wrote) and every quantity rule, where the app has
        written volume (from `export_id` when one was started); with nothing recorded for the price list
        (adopted, or a run killed before recording; `variants` None) the whole list is read, so a write
        never meets a rule or break it does not know of. A price list the app created is recorded empty
        (`new_price_list_volume`): nothing to read."""
        held = None
        if export_id and variants is not None:
            try:
                held = self.exports.held(export_id, row.price_list_id, variants)
            except (ShopifyQueryError, ShopifyUnavailableError) as exc:
                logger.warning("Volume export of %s failed (%s); reading per variant", row.title, exc)
        if held is None:
            held = self._read(row, variants)
        states = {v: held_state(volume) for v, volume in held.items()}
        return {v: state for v, state in states.items() if state != NO_VOLUME}

    def _read(self, row: CatalogRecord, variants: set[str] | None) -> dict:
        if variants is None:
            return self.api.volume(row.price_list_id)
        return self.api.volume_of(row.price_list_id, variants)

    def _apply(self, row: CatalogRecord, desired: dict, current: dict, change: VolumeChange, rules: dict):
        ctx, result = self.ctx, {v: dict(state) for v, state in current.items()}
        failed: set[str] = set()
        for group in _groups(change):
            ctx.before_write()
            done, errors = self.api.update_volume(row.price_list_id, group, self.currency)
            failed.update((set(group.breaks) | set(group.rules_removed)) - done)
            for variant in done:
                state = result.setdefault(variant, dict(NO_VOLUME))
                if variant in group.breaks:
                    state["breaks"] = desired.get(variant, NO_VOLUME)["breaks"]
                if variant in group.rules_removed:
                    state["pack_size"] = None
            _save(ctx, row, result)  # after every call: a killed run's successor knows what landed
            self._refused(row, errors)
        wanted = sorted((v, rule) for v, rule in rules.items() if v not in failed)
        for start in range(0, len(wanted), PER_CALL):
            batch = dict(wanted[start : start + PER_CALL])
            ctx.before_write()
            errors = self.api.add_quantity_rules(row.price_list_id, batch)
            if not errors:
                for variant, (minimum, _) in batch.items():
                    result.setdefault(variant, dict(NO_VOLUME))["pack_size"] = minimum
                _save(ctx, row, result)
            self._refused(row, errors)
        ctx.count("variants_updated", len(set(change.breaks) | set(change.rules_removed) | set(rules)))

    def _refused(self, row: CatalogRecord, errors) -> None:
        if errors:
            message = f"Shopify refused volume pricing on “{row.title}”: {errors[0]}"
            self.ctx.report(Issue(Code.SHOPIFY_USER_ERROR, message, subject="b2b:shop"))


def tier_key_of(key: str) -> str | None:
    """The tier catalog key a catalog prices (`tier:<code>` directly, `market:<code>` through a market)."""
    if key.startswith(TIER):
        return key
    if key.startswith(MARKET_KEY):
        return TIER + key.removeprefix(MARKET_KEY)
    return None  # a customer's own catalog: volume pricing follows the tier price lists only


def written_volume(row: CatalogRecord) -> dict | None:
    """What the app wrote to `row`'s current price list; None when nothing is recorded for it."""
    stored = row.volume or {}
    return stored.get("variants") or {} if stored.get("price_list_id") == row.price_list_id else None


def new_price_list_volume(price_list_id: str) -> dict:
    """`CatalogRecord.volume` of a price list the app just created: it holds no breaks or rules yet."""
    return {"price_list_id": price_list_id, "variants": {}}


def price_break_count(volume: dict) -> int:
    """How many price breaks a `CatalogRecord.volume` holds."""
    return sum(len(state.get("breaks") or ()) for state in (volume.get("variants") or {}).values())


def _save(ctx, row: CatalogRecord, variants: dict) -> None:
    variants = {v: state for v, state in variants.items() if state != NO_VOLUME}
    row.volume = {"price_list_id": row.price_list_id, "variants": variants}
    ctx.store.save_catalog(row)


def _groups(change: VolumeChange):
    """`change` split so each part is one call: at most `PER_CALL` variants and breaks."""
    group, rows = VolumeChange(), 0
    for variant in sorted(set(change.breaks) | set(change.rules_removed)):
        size = len(change.breaks.get(variant, ()))
        count = len(set(group.breaks) | set(group.rules_removed))
        if count and (rows + size > PER_CALL or count >= PER_CALL):
            yield group
            group, rows = VolumeChange(), 0
        if variant in change.breaks:
            group.breaks[variant] = change.breaks[variant]
            rows += size
        if variant in change.rules_removed:
            group.rules_removed.append(variant)
    if group.breaks or group.rules_removed:
        yield group


def _plan(ctx, row: CatalogRecord, change: VolumeChange, rules: dict) -> None:
    """A preview's entry for a price list whose breaks or quantity rules change."""
    if not (change.breaks or change.rules_removed or rules):
        return
    cleared = sum(1 for breaks in change.breaks.values() if not breaks)
    planned(
        ctx,
        {
            "action": "update",
            "catalog": row.title,
            "changes": {
                "price breaks": {"set": len(change.breaks) - cleared, "cleared": cleared},
                "quantity rules": {"set": len(rules), "removed": len(set(change.rules_removed) - set(rules))},
            },
        },
    )
