"""Direct catalogs (Plus) created in bulk when many (issue 26): from `CATALOG_BULK_THRESHOLD` catalogs to
create in a run (a first run at 10k customers has some 600, one per customer with its own prices), their
`catalogCreate`s (each with its first member location) run as one bulk mutation, then the `priceListCreate`s
of the catalogs without a price list as another, fed by the IDs the first returned; then catalog
membership, from the threshold of `catalogContextUpdate` calls (250 locations each), as a third.

Find-before-create as on the single path: a killed run's operation is waited for and read before the
app's catalogs are listed, and what it made is recorded, so a catalog is found (by title) or recorded,
never made twice. A line Shopify refuses is reported for its catalog as the single call's refusal is (the
plan's refusals remembered on the row, `remember_refusal`); the catalog is then left this run.
"""

from connectors.shopify.b2b import catalog_create_variables, price_list_create_variables

from ..issues import Code, Issue
from ..store import CatalogRecord
from . import bulk_stage as stage
from .catalog_rows import PER_CALL, add_catalog, remember_refusal
from .volume_writer import new_price_list_volume

CATALOG_CREATE = "catalog_create"
PRICE_LIST_CREATE = "price_list_create"
CATALOG_CONTEXT = "catalog_context"


class BulkCatalogs:
    """The bulk stages of a `DirectCatalogs` writer (its rows, links, currency, refusal lists)."""

    def __init__(self, writer, stages):
        self.writer, self.stages = writer, stages  # `stages`: the run's bulk client and threshold
        self.skip: set[str] = set()  # catalog keys refused in bulk: reported, left this run

    @property
    def ctx(self):
        return self.writer.ctx

    def resume(self) -> None:
        """Finish what a killed run started, in dependency order."""
        bulk = self.stages.bulk
        for record, operation in stage.pending(self.ctx, bulk, (CATALOG_CREATE,)):
            self._catalogs_made(record, operation, fresh=False)
        for record, operation in stage.pending(self.ctx, bulk, (PRICE_LIST_CREATE,)):
            self._price_lists_made(record, operation, fresh=False)
        for record, operation in stage.pending(self.ctx, bulk, (CATALOG_CONTEXT,)):
            self._moved(record, operation)

    def create_catalogs(self, catalogs: dict, companies: dict, found: dict) -> None:
        """The catalogs neither recorded nor found in Shopify, in one bulk stage from the threshold on."""
        new = []
        for key, desired in sorted(catalogs.items()):
            row = self.writer.rows.get(key) or CatalogRecord(key=key, title=desired.title)
            if row.catalog_id or desired.title in found or (row.refused_at and not self.ctx.retry_refused):
                continue
            member = self.writer.first_member(key, companies)
            if member is not None:
                new.append((row, desired.title, member))
        if len(new) < self.stages.threshold:
            return
        for row, _title, _member in new:
            self.writer.rows[row.key] = row
            self.ctx.store.save_catalog(row)  # recorded before the create: a rerun finds it by title
        keys = [[row.key, title, member.cin7_id] for row, title, member in new]
        lines = (catalog_create_variables(title, [member.location_id]) for _row, title, member in new)
        started = stage.start(self.ctx, self.stages.bulk, CATALOG_CREATE, "b2b_catalog_create", keys, lines)
        self._catalogs_made(*started, fresh=True)

    def create_price_lists(self, catalogs: dict, found: dict) -> None:
        """The price lists of the catalogs without one, in one bulk stage from the threshold on; a price
        list Shopify already has for the catalog (a killed run's) is adopted instead."""
        rows = [
            self.writer.rows[key]
            for key in sorted(catalogs)
            if key in self.writer.rows
            and self.writer.rows[key].catalog_id
            and not self.writer.rows[key].price_list_id
            and key not in self.skip
        ]
        if len(rows) < self.stages.threshold:
            return
        by_id = {node["id"]: node for node in found.values()}
        for row in rows:
            existing = ((by_id.get(row.catalog_id) or {}).get("priceList") or {}).get("id")
            if existing:
                row.price_list_id = existing
                self.ctx.store.save_catalog(row)
        rows = [row for row in rows if not row.price_list_id]
        if not rows:
            return
        currency = self.writer.currency
        keys = [[row.key, row.catalog_id] for row in rows]
        lines = (
            price_list_create_variables(catalogs[row.key].title, currency, row.catalog_id) for row in rows
        )
        started = stage.start(
            self.ctx, self.stages.bulk, PRICE_LIST_CREATE, "b2b_price_list_create", keys, lines
        )
        self._price_lists_made(*started, fresh=True)

    def move(self, moves: list) -> bool:
        """Membership changes (`(row, added links, removed links)`) in one bulk stage from the threshold of
        calls on; False when below it (the single calls do them)."""
        batches = [
            (row, added[start : start + PER_CALL], removed[start : start + PER_CALL])
            for row, added, removed in moves
            for start in range(0, max(len(added), len(removed)), PER_CALL)
        ]
        if len(batches) < self.stages.threshold:
            return False
        keys = [[row.key, [a.cin7_id for a in add], [r.cin7_id for r in rem]] for row, add, rem in batches]
        lines = (
            {
                "catalogId": row.catalog_id,
                "contextsToAdd": {"companyLocationIds": [a.location_id for a in add]} if add else None,
                "contextsToRemove": {"companyLocationIds": [r.location_id for r in rem]} if rem else None,
            }
            for row, add, rem in batches
        )
        started = stage.start(self.ctx, self.stages.bulk, CATALOG_CONTEXT, "b2b_catalog_context", keys, lines)
        self._moved(*started)
        return True

    def _catalogs_made(self, record, operation, *, fresh: bool) -> None:
        """Record each catalog made with its member; report (or remember, the plan's) each refusal of
        this run's stage (a killed run's are left to the single path, which tries again)."""
        links = self.writer.links
        for (key, title, member_id), outcome in stage.outcomes(self.stages.bulk, record, operation):
            row = self.writer.rows.get(key) or CatalogRecord(key=key, title=title)
            self.writer.rows[key] = row
            catalog_id = ((outcome.payload or {}).get("catalog") or {}).get("id") if outcome.ok else None
            if catalog_id:
                row.catalog_id, row.title, row.refused_at, row.refusal = catalog_id, title, None, ""
                row.price_list_id, row.prices = "", {}
                self.ctx.store.save_catalog(row)
                if member_id in links:
                    add_catalog(self.ctx, links[member_id], key)
                self.ctx.count("created")
            elif fresh and not remember_refusal(self.writer, row, title, outcome.user_errors):
                self._refused("catalog", title, key, outcome)
            elif fresh:
                self.skip.add(key)
        self.ctx.store.delete_bulk_operation(record)

    def _price_lists_made(self, record, operation, *, fresh: bool) -> None:
        """Record each price list made; report each refusal of this run's stage (a killed run's are
        left to the single path, which tries again)."""
        for (key, catalog_id), outcome in stage.outcomes(self.stages.bulk, record, operation):
            row = self.writer.rows.get(key)
            price_list_id = ((outcome.payload or {}).get("priceList") or {}).get("id") if outcome.ok else None
            if row is None or row.catalog_id != catalog_id:
                continue
            if price_list_id:
                row.price_list_id, row.prices = price_list_id, {}
                row.volume = new_price_list_volume(price_list_id)
                self.ctx.store.save_catalog(row)
            elif fresh:
                self._refused("catalog", row.title, key, outcome)
        self.ctx.store.delete_bulk_operation(record)

    def _moved(self, record, operation) -> None:
        links, refused = self.writer.links, {}
        for (key, added, removed), outcome in stage.outcomes(self.stages.bulk, record, operation):
            row = self.writer.rows.get(key)
            if not outcome.ok:
                refused.setdefault(key, (row.title if row else key, outcome))
                continue
            for cin7_id in added:
                if cin7_id in links:
                    add_catalog(self.ctx, links[cin7_id], key)
            for cin7_id in removed:
                link = links.get(cin7_id)
                if link is not None and key in (link.written.get("catalogs") or ()):
                    link.written["catalogs"] = sorted(set(link.written["catalogs"]) - {key})
                    self.ctx.store.save_company_link(link)
        self.ctx.store.delete_bulk_operation(record)
        for title, outcome in refused.values():
            self.ctx.report(
                Issue(
                    Code.SHOPIFY_USER_ERROR,
                    f"Shopify refused a change to catalog “{title}”: {outcome.reason('nothing returned')}",
                    subject="b2b:shop",
                )
            )

    def _refused(self, noun: str, title: str, key: str, outcome) -> None:
        self.skip.add(key)
        self.ctx.report(
            Issue(
                Code.SHOPIFY_USER_ERROR,
                f"Shopify refused {noun} “{title}”: {outcome.reason('nothing returned')}",
                subject="b2b:shop",
            )
        )
