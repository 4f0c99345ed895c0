"""Below Plus (contract §3 "B2B prices below Plus"): per served tier one B2B market `Cin7 · <tier>` whose
conditions are the tier's company locations, holding one market catalog `Cin7 · <tier>` with the tier's
price list. `MarketCatalogs` is the B2B job's catalogs writer in this mode (`CatalogWriter`).

Markets and their catalogs are found in Shopify (market names may repeat: by name, then by the id kept in
`CatalogRecord.market_id`) before any create, so a killed run makes no duplicate; `prices` and the links'
`written["markets"]` keep what was written, so a rerun without change writes nothing.
"""

from connectors.shopify.b2b import B2BAdmin
from connectors.shopify.b2b_markets import B2BMarket

from ..issues import Code, Issue
from ..store import MARKET_KEY, CatalogRecord, CompanyLinkRecord
from .bulk_prices import CatalogStages, write_all_prices
from .catalog_rows import PER_CALL, note_refused, plan_catalog, remember_refusal
from .diff import membership_moves
from .mapping import DesiredCatalog
from .volume_writer import new_price_list_volume
from .writes import Refused, write_one

PRICE_LIST_SUFFIX = " (B2B market)"  # price list names are unique: the direct mode's keep the plain title
GONE = {"CATALOG_NOT_FOUND", "MARKET_NOT_FOUND"}


def market_key(code: int) -> str:
    return f"{MARKET_KEY}{code}"


class MarketCatalogs:
    """Writes one B2B market and its market catalog per served tier (`served`: tier codes)."""

    def __init__(self, ctx, api: B2BAdmin, currency: str, links: dict[str, CompanyLinkRecord], served):
        self.ctx = ctx
        self.api = api
        self.currency = currency
        self.links = links  # company links by Cin7 ID
        self.served = list(served)
        self.rows: dict[str, CatalogRecord] = {}
        self.refused: list[str] = []
        self.plan_refused: list[str] = []
        self._markets: dict[str, B2BMarket] | None = None  # Shopify's B2B markets by id, read once
        self.stages = CatalogStages(ctx, api.client)

    def write(self, catalogs: dict[str, DesiredCatalog], companies: dict) -> None:
        ctx = self.ctx
        self.rows = ctx.store.catalogs(markets=True)
        if not ctx.dry_run:
            self.stages.resume_prices(self.rows)
            if ctx.full and any(row.market_id for row in self.rows.values()):
                self._forget_deleted()
            retired = [k for k in self.rows if int(k.removeprefix(MARKET_KEY)) not in self.served]
            retire_markets(ctx, self.api, self.rows, self.links, retired)
        priced = []
        for code in self.served:
            desired = catalogs.get(f"tier:{code}")
            if desired is None:
                continue  # no company on this tier: nothing to serve
            key = market_key(code)
            row = self.rows.get(key) or CatalogRecord(key=key, title=desired.title)
            self.rows[key] = row
            if ctx.dry_run:
                self._plan(row, desired)
                continue
            if row.refused_at and not ctx.retry_refused:  # tried again on full runs started by a person
                note_refused(self, row, desired.title)
                continue
            try:
                if self._write_one(row, desired, companies):
                    priced.append((row, desired))
            except Refused as refused:
                ctx.report(
                    Issue(
                        Code.SHOPIFY_USER_ERROR,
                        f"Shopify refused B2B market “{desired.title}”: {refused}",
                        subject="b2b:shop",
                    )
                )
        write_all_prices(ctx, self.api, self.stages, priced, self.currency, "B2B market")

    def _write_one(self, row: CatalogRecord, desired: DesiredCatalog, companies: dict) -> bool:
        """Market, catalog and price list made or renamed; True when its fixed prices can be written."""
        if not row.market_id:
            self._adopt(row, desired.title)
        if not row.market_id and not self._create_market(row, desired, companies):
            return False
        if not row.catalog_id and not self._create_catalog(row, desired):
            return False
        if row.title != desired.title:
            write_one(self.ctx, self.api.rename_market, row.market_id, desired.title)
            write_one(self.ctx, self.api.rename_catalog, row.catalog_id, desired.title)
            row.title = desired.title
            self.ctx.store.save_catalog(row)
        if not row.price_list_id:
            self.ctx.before_write()
            name = desired.title + PRICE_LIST_SUFFIX
            price_list_id, errors = self.api.create_price_list(name, self.currency, row.catalog_id)
            if errors or not price_list_id:
                raise Refused(errors[0] if errors else "no price list returned")
            row.price_list_id, row.prices = price_list_id, {}
            row.volume = new_price_list_volume(price_list_id)
            self.ctx.store.save_catalog(row)
        return True

    def _listing(self) -> dict[str, B2BMarket]:
        if self._markets is None:
            self._markets = {market.id: market for market in self.api.markets()}
        return self._markets

    def _adopt(self, row: CatalogRecord, title: str) -> None:
        """Take over the market a killed run created (same name, not another row's), its catalog, price
        list and locations."""
        taken = {r.market_id for r in self.rows.values() if r.market_id}
        named = [m for m in self._listing().values() if m.name == title and m.id not in taken]
        named.sort(key=lambda m: not any(c.title == title for c in m.catalogs))
        if not named:
            return
        market = named[0]
        catalog = next((c for c in market.catalogs if c.title == title), None)
        row.market_id, row.title = market.id, title
        if catalog is not None:
            row.catalog_id, row.price_list_id, row.prices = catalog.id, catalog.price_list_id or "", {}
        self.ctx.store.save_catalog(row)
        self._record_members(row.key, set(market.location_ids))

    def _create_market(self, row: CatalogRecord, desired: DesiredCatalog, companies: dict) -> bool:
        """Created with the locations that want it (a market needs a condition); False when refused."""
        tier_key = "tier:" + row.key.removeprefix(MARKET_KEY)
        members = [
            link
            for cin7_id, link in sorted(self.links.items())
            if link.location_id and cin7_id in companies and tier_key in companies[cin7_id].state["catalogs"]
        ]
        if not members:
            return False
        for _ in range(-(-len(members) // PER_CALL)):
            self.ctx.before_write()
        market_id, errors = self.api.create_market(desired.title, [link.location_id for link in members])
        if not market_id:
            if remember_refusal(self, row, desired.title, errors):
                return False
            raise Refused(errors[0] if errors else "no market returned")
        row.market_id, row.title, row.refused_at, row.refusal = market_id, desired.title, None, ""
        self.ctx.store.save_catalog(row)
        self.ctx.count("created")
        if errors:  # locations beyond the first 250 refused: the membership adds them next
            return True
        self._record_members(row.key, {link.location_id for link in members})
        return True

    def _create_catalog(self, row: CatalogRecord, desired: DesiredCatalog) -> bool:
        self.ctx.before_write()
        catalog_id, errors = self.api.create_market_catalog(desired.title, row.market_id)
        if errors or not catalog_id:
            if remember_refusal(self, row, desired.title, errors):
                return False
            raise Refused(errors[0] if errors else "no catalog returned")
        row.catalog_id, row.price_list_id, row.prices = catalog_id, "", {}
        row.refused_at, row.refusal = None, ""
        self.ctx.store.save_catalog(row)
        return True

    def _record_members(self, key: str, location_ids: set[str]) -> None:
        """The links whose location `key`'s market lists are recorded in it, the others not."""
        for link in self.links.values():
            markets = set(link.written.get("markets") or ())
            now = markets | {key} if link.location_id in location_ids else markets - {key}
            if now != markets:
                link.written["markets"] = sorted(now)
                self.ctx.store.save_company_link(link)

    def _forget_deleted(self) -> None:
        """Cin7 wins on full runs: what was deleted in Shopify is made again, membership as Shopify has it."""
        markets = self._listing()
        for row in self.rows.values():
            if not row.market_id:
                continue
            market = markets.get(row.market_id)
            if market is None:
                row.market_id, row.catalog_id, row.price_list_id, row.prices = "", "", "", {}
                self.ctx.store.save_catalog(row)
                self._record_members(row.key, set())
                continue
            self._record_members(row.key, set(market.location_ids))
            catalog = next((c for c in market.catalogs if c.id == row.catalog_id), None)
            if catalog is None and row.catalog_id:
                row.catalog_id, row.price_list_id, row.prices = "", "", {}
            elif catalog is not None and (catalog.price_list_id or "") != row.price_list_id:
                row.price_list_id, row.prices = catalog.price_list_id or "", {}
            else:
                continue
            self.ctx.store.save_catalog(row)

    def _plan(self, row: CatalogRecord, desired: DesiredCatalog) -> None:
        plan_catalog(self.ctx, row, desired, market=desired.title)

    def write_membership(self, wanted: dict[str, list[str]]) -> None:
        """Locations join and leave the markets of their tiers (`wanted`: Cin7 ID -> catalog keys)."""
        if self.ctx.dry_run:
            return
        live = {key for key, row in self.rows.items() if row.market_id}
        markets_wanted = {
            cin7_id: [k for k in (MARKET_KEY + key.removeprefix("tier:") for key in keys) if k in live]
            for cin7_id, keys in wanted.items()
        }
        current = {
            cin7_id: link.written.get("markets") or []
            for cin7_id, link in self.links.items()
            if link.location_id
        }
        for key, (added, removed) in sorted(membership_moves(markets_wanted, current).items()):
            row = self.rows.get(key)
            if row is not None and row.market_id:
                self._move(row, [self.links[i] for i in added], [self.links[i] for i in removed])

    def _move(self, row: CatalogRecord, added: list, removed: list) -> None:
        for start in range(0, max(len(added), len(removed)), PER_CALL):
            add, remove = added[start : start + PER_CALL], removed[start : start + PER_CALL]
            self.ctx.before_write()
            done, errors = self.api.change_market_locations(
                row.market_id, [link.location_id for link in add], [link.location_id for link in remove]
            )
            if errors:
                self.ctx.report(
                    Issue(
                        Code.SHOPIFY_USER_ERROR,
                        f"Shopify refused a change to B2B market “{row.title}”: {errors[0]}",
                        subject="b2b:shop",
                    )
                )
            joined = {link.location_id for link in add}
            for link in add + remove:
                if link.location_id not in done:
                    continue
                markets = set(link.written.get("markets") or ())
                markets = markets | {row.key} if link.location_id in joined else markets - {row.key}
                link.written["markets"] = sorted(markets)
                self.ctx.store.save_company_link(link)


def retire_markets(ctx, api: B2BAdmin, rows: dict[str, CatalogRecord], links: dict, keys) -> None:
    """Delete the app's markets of `keys` with their catalogs and price lists (a tier no longer served,
    or the shop moved to Plus and its direct catalogs are active); their locations leave them."""
    for key in sorted(keys):
        row = rows[key]
        try:
            if row.catalog_id:
                _delete(ctx, api.delete_catalog, row.catalog_id, True)
                row.catalog_id, row.price_list_id, row.prices = "", "", {}
                ctx.store.save_catalog(row)
            if row.market_id:
                _delete(ctx, api.delete_market, row.market_id)
        except Refused as refused:
            ctx.report(
                Issue(
                    Code.SHOPIFY_USER_ERROR,
                    f"Shopify refused to delete B2B market “{row.title}”: {refused}",
                    subject="b2b:shop",
                )
            )
            continue
        for link in links.values():
            if key in (link.written.get("markets") or ()):
                link.written["markets"] = [k for k in link.written["markets"] if k != key]
                ctx.store.save_company_link(link)
        ctx.store.delete_catalog(row)
        del rows[key]


def _delete(ctx, call, *args) -> None:
    """One delete; what Shopify no longer has counts as deleted."""
    ctx.before_write()
    errors = [e for e in call(*args) if e.code not in GONE]
    if errors:
        raise Refused(errors[0])
