"""Catalogs the app owns, priced directly: one per Cin7 tier in use and one per customer with its own
prices, each with a price list of fixed prices, and the company locations each applies to.

`CatalogWriter` is what the B2B job asks of a catalogs writer; `DirectCatalogs` is the one for catalogs
whose contexts are company locations (another mode writes its catalogs beside it, the same way).

Found in Shopify (by title) before any create, so a killed run makes no duplicate; `prices` keeps what
was written, so a rerun without change writes nothing.
"""

from typing import Protocol

from connectors.shopify.b2b import B2BAdmin

from ..issues import Code, Issue
from ..store import CatalogRecord, CompanyLinkRecord
from .bulk_catalogs import BulkCatalogs
from .bulk_prices import CatalogStages, write_all_prices
from .catalog_rows import PER_CALL, add_catalog, note_refused, plan_catalog, remember_refusal
from .diff import membership_moves
from .mapping import DesiredCatalog, DesiredCompany
from .volume_writer import new_price_list_volume
from .writes import Refused, write_one


class CatalogWriter(Protocol):
    rows: dict[str, CatalogRecord]  # the catalogs it owns, by key
    refused: list[str]  # titles Shopify refused for the plan's catalog limit
    plan_refused: list[str]  # titles the plan does not allow

    def write(self, catalogs: dict[str, DesiredCatalog], companies: dict[str, DesiredCompany]) -> None:
        """Create, rename and price the desired catalogs (dry runs: plan them)."""

    def write_membership(self, wanted: dict[str, list[str]]) -> None:
        """Apply each catalog to the companies that should have it (`wanted`: Cin7 ID -> keys)."""


class DirectCatalogs:
    """Writes catalogs whose contexts are the companies' locations (Shopify's B2B catalogs)."""

    def __init__(self, ctx, api: B2BAdmin, currency: str, links: dict[str, CompanyLinkRecord]):
        self.ctx = ctx
        self.api = api
        self.currency = currency
        self.links = links  # company links by Cin7 ID
        self.rows: dict[str, CatalogRecord] = {}
        self.refused: list[str] = []  # titles refused for the plan's catalog limit
        self.plan_refused: list[str] = []  # titles the plan does not allow
        self.stages = CatalogStages(ctx, api.client)
        self.in_bulk = BulkCatalogs(self, self.stages)

    def write(self, catalogs: dict[str, DesiredCatalog], companies: dict[str, DesiredCompany]) -> None:
        """Many new catalogs, price lists and fixed prices go in bulk (`bulk_catalogs.py`,
        `bulk_prices.py`), after what a killed run left in bulk is finished; then each goes on as any."""
        ctx = self.ctx
        self.rows = ctx.store.catalogs(markets=False)
        found = None
        if not ctx.dry_run:
            self.in_bulk.resume()
            self.stages.resume_prices(self.rows)
            if ctx.full and any(row.catalog_id for row in self.rows.values()):
                found = self._listing()
                self._forget_deleted(found)
            if any(key not in self.rows or not self.rows[key].price_list_id for key in catalogs):
                found = found if found is not None else self._listing()
                self.in_bulk.create_catalogs(catalogs, companies, found)
                self.in_bulk.create_price_lists(catalogs, found)
        priced = []
        for key, desired in sorted(catalogs.items()):
            row = self.rows.get(key) or CatalogRecord(key=key, title=desired.title)
            self.rows[key] = row
            if ctx.dry_run:
                plan_catalog(ctx, row, desired)
                continue
            if key in self.in_bulk.skip:
                continue
            try:
                if self._write_one(row, desired, found or {}, companies):
                    priced.append((row, desired))
            except Refused as refused:
                self._report_refused(desired.title, refused)
        write_all_prices(ctx, self.api, self.stages, priced, self.currency, "catalog")

    def _listing(self) -> dict:
        return {node["title"]: node for node in self.api.catalogs()}

    def _report_refused(self, title: str, refused) -> None:
        message = f"Shopify refused catalog “{title}”: {refused}"
        self.ctx.report(Issue(Code.SHOPIFY_USER_ERROR, message, subject="b2b:shop"))

    def _write_one(self, row: CatalogRecord, desired: DesiredCatalog, found: dict, companies: dict) -> bool:
        """Create or rename the catalog and make its price list; True when its prices can be written."""
        store = self.ctx.store
        if not row.catalog_id and desired.title in found:
            row.catalog_id = found[desired.title]["id"]
            row.price_list_id = (found[desired.title].get("priceList") or {}).get("id") or ""
            store.save_catalog(row)
        if not row.catalog_id and not self._create_catalog(row, desired, companies):
            return False
        if row.title != desired.title:
            write_one(self.ctx, self.api.rename_catalog, row.catalog_id, desired.title)
            row.title = desired.title
            store.save_catalog(row)
        if not row.price_list_id:
            self._create_price_list(row, desired, found)
        return True

    def _forget_deleted(self, found: dict) -> None:
        """Cin7 wins on full runs: a catalog or price list deleted in Shopify is made again, whole."""
        by_id = {node["id"]: node for node in found.values()}
        for row in self.rows.values():
            if not row.catalog_id:
                continue
            node = by_id.get(row.catalog_id)
            if node is None:
                row.catalog_id, row.price_list_id, row.prices = "", "", {}
                for link in self.links.values():
                    if row.key in (link.written.get("catalogs") or ()):
                        link.written["catalogs"] = [k for k in link.written["catalogs"] if k != row.key]
                        self.ctx.store.save_company_link(link)
            elif ((node.get("priceList") or {}).get("id") or "") != row.price_list_id:
                row.price_list_id, row.prices = (node.get("priceList") or {}).get("id") or "", {}
            else:
                continue
            self.ctx.store.save_catalog(row)

    def _create_catalog(self, row: CatalogRecord, desired: DesiredCatalog, companies: dict) -> bool:
        """Created with its first member location (a catalog needs a context); False when refused."""
        member = self.first_member(row.key, companies)
        if member is None:
            return False
        if row.refused_at and not self.ctx.retry_refused:  # tried again on full runs started by a person
            note_refused(self, row, desired.title)
            return False
        self.ctx.before_write()
        catalog_id, errors = self.api.create_catalog(desired.title, [member.location_id])
        if errors or not catalog_id:
            if remember_refusal(self, row, desired.title, errors):
                return False
            raise Refused(errors[0] if errors else "no catalog returned")
        row.catalog_id, row.title, row.refused_at, row.refusal = catalog_id, desired.title, None, ""
        self.ctx.store.save_catalog(row)
        add_catalog(self.ctx, member, row.key)
        self.ctx.count("created")
        return True

    def first_member(self, key: str, companies: dict) -> CompanyLinkRecord | None:
        for cin7_id, link in sorted(self.links.items()):
            desired = companies.get(cin7_id)
            if desired and key in desired.state["catalogs"] and link.location_id:
                return link
        return None

    def _create_price_list(self, row: CatalogRecord, desired: DesiredCatalog, found: dict) -> None:
        node = found.get(desired.title) or {}
        existing = (node.get("priceList") or {}).get("id") if node.get("id") == row.catalog_id else None
        if existing:
            row.price_list_id = existing
        else:
            self.ctx.before_write()
            price_list_id, errors = self.api.create_price_list(desired.title, self.currency, row.catalog_id)
            if errors or not price_list_id:
                raise Refused(errors[0] if errors else "no price list returned")
            row.price_list_id = price_list_id
            row.prices, row.volume = {}, new_price_list_volume(price_list_id)
        self.ctx.store.save_catalog(row)

    def write_membership(self, wanted: dict[str, list[str]]) -> None:
        """Move company locations into and out of the catalogs (`wanted`: Cin7 ID -> catalog keys)."""
        if self.ctx.dry_run:
            return
        current = {
            cin7_id: link.written.get("catalogs") or []
            for cin7_id, link in self.links.items()
            if link.location_id
        }
        moves = [
            (self.rows[key], [self.links[i] for i in added], [self.links[i] for i in removed])
            for key, (added, removed) in sorted(membership_moves(wanted, current).items())
            if key in self.rows and self.rows[key].catalog_id
        ]
        if self.in_bulk.move(moves):
            return
        for row, added, removed in moves:
            self._move(row, added, removed)

    def _move(self, row: CatalogRecord, added: list, removed: list) -> None:
        for start in range(0, max(len(added), len(removed)), PER_CALL):
            add, remove = added[start : start + PER_CALL], removed[start : start + PER_CALL]
            self.ctx.before_write()
            errors = self.api.change_locations(
                row.catalog_id, [link.location_id for link in add], [link.location_id for link in remove]
            )
            if errors:
                self.ctx.report(
                    Issue(
                        Code.SHOPIFY_USER_ERROR,
                        f"Shopify refused a change to catalog “{row.title}”: {errors[0]}",
                        subject="b2b:shop",
                    )
                )
                continue
            for link in add:
                add_catalog(self.ctx, link, row.key)
            for link in remove:
                link.written["catalogs"] = sorted(set(link.written.get("catalogs", [])) - {row.key})
                self.ctx.store.save_company_link(link)
